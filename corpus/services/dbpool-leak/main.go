// dbpool-leak: the accounts API of ../dbpool with a /transfer endpoint that
// serialises transfers behind a ledger mutex.
// LEAKING: a transfer that fails the balance check returns without
// unlocking; from then on every transfer request parks in `l.mu.Lock()`
// forever (one goroutine per request, the serving connection's goroutine),
// while balance reads keep working.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand"
	"net/http"
	"strconv"
	"sync"
	"time"

	"services/internal/svc"
)

var (
	readers   = flag.Int("readers", 4, "balance-reading clients")
	payers    = flag.Int("payers", 6, "transfer clients")
	rate      = flag.Int("rate", 20, "balance reads per second per client")
	payRate   = flag.Int("payrate", 5, "transfers per second per client")
	maxAmount = flag.Int("max", 1300, "largest transfer amount")
)

var errInsufficient = errors.New("insufficient funds")

type ledger struct {
	db *sql.DB
	mu sync.Mutex // serialises transfers
}

func (l *ledger) balance(ctx context.Context, id int64) (int64, error) {
	var got, bal int64
	err := l.db.QueryRowContext(ctx, "balance ?", id).Scan(&got, &bal)
	return bal, err
}

func (l *ledger) transfer(ctx context.Context, from, to, amount int64) error {
	l.mu.Lock() // LEAK(lock): an earlier transfer returned with the mutex held
	fromBal, err := l.balance(ctx, from)
	if err != nil {
		l.mu.Unlock()
		return err
	}
	if fromBal < amount {
		return errInsufficient // BUG: returns with l.mu held
	}
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		l.mu.Unlock()
		return err
	}
	_, err = tx.ExecContext(ctx, "add ? ?", from, -amount)
	if err == nil {
		_, err = tx.ExecContext(ctx, "add ? ?", to, amount)
	}
	if err == nil {
		err = tx.Commit()
	} else {
		tx.Rollback()
	}
	l.mu.Unlock()
	return err
}

func (l *ledger) handleBalance(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.URL.Query().Get("id"), 10, 64)
	ctx, cancel := context.WithTimeout(r.Context(), 500*time.Millisecond)
	defer cancel()
	bal, err := l.balance(ctx, id)
	if err == sql.ErrNoRows {
		http.NotFound(w, r)
		return
	} else if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	json.NewEncoder(w).Encode(map[string]int64{"id": id, "balance": bal})
}

func (l *ledger) handleTransfer(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, _ := strconv.ParseInt(q.Get("from"), 10, 64)
	to, _ := strconv.ParseInt(q.Get("to"), 10, 64)
	amount, _ := strconv.ParseInt(q.Get("amount"), 10, 64)
	if err := l.transfer(r.Context(), from, to, amount); err != nil {
		http.Error(w, err.Error(), http.StatusConflict)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func client(ctx context.Context, hc *http.Client, rate int, next func(*rand.Rand) string, seed int64) {
	rng := rand.New(rand.NewSource(svc.Seed() + seed))
	t := time.NewTicker(time.Second / time.Duration(rate))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		resp, err := hc.Get(next(rng))
		if err != nil {
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

func main() {
	ctx, stop := svc.Start()
	defer stop()
	db, err := sql.Open("fakedb", "mem://accounts")
	if err != nil {
		log.Fatal(err)
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	db.SetConnMaxLifetime(time.Minute)
	l := &ledger{db: db}
	mux := http.NewServeMux()
	mux.HandleFunc("/account", l.handleBalance)
	mux.HandleFunc("/transfer", l.handleTransfer)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	ln := svc.Listen()
	go srv.Serve(ln)
	base := "http://" + ln.Addr().String()
	hc := &http.Client{Timeout: time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *readers + *payers}}
	for i := 0; i < *readers; i++ {
		go client(ctx, hc, *rate, func(r *rand.Rand) string { return fmt.Sprintf("%s/account?id=%d", base, r.Intn(500)) }, int64(i))
	}
	for i := 0; i < *payers; i++ {
		go client(ctx, hc, *payRate, func(r *rand.Rand) string {
			return fmt.Sprintf("%s/transfer?from=%d&to=%d&amount=%d", base, r.Intn(500), r.Intn(500), 1+r.Intn(*maxAmount))
		}, int64(100+i))
	}
	<-ctx.Done()
	shut, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	srv.Shutdown(shut)
}
