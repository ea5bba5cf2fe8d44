// dbpool: an accounts API over database/sql with a bounded connection pool
// (8 open, 8 idle, 1 min lifetime) on a fake in-memory driver (fakedb.go).
// HEALTHY: database/sql keeps its connectionOpener (and connectionCleaner)
// goroutines for the life of the *sql.DB; requests borrow a connection for a
// few milliseconds and give it back; 6 keep-alive clients keep a steady load.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
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
	clients = flag.Int("clients", 6, "load clients")
	rate    = flag.Int("rate", 30, "requests per second per client")
)

type accounts struct{ db *sql.DB }

func (a *accounts) balance(ctx context.Context, id int64) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	var got, bal int64
	err := a.db.QueryRowContext(ctx, "balance ?", id).Scan(&got, &bal)
	return bal, err
}

func (a *accounts) deposit(ctx context.Context, id, amount int64) error {
	ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "add ? ?", id, amount); err != nil {
		return err
	}
	return tx.Commit()
}

func (a *accounts) handle(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.URL.Query().Get("id"), 10, 64)
	if err != nil {
		http.Error(w, "bad id", http.StatusBadRequest)
		return
	}
	if r.URL.Query().Get("deposit") != "" {
		if err := a.deposit(r.Context(), id, 5); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	bal, err := a.balance(r.Context(), id)
	if err == sql.ErrNoRows {
		http.NotFound(w, r)
		return
	} else if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	json.NewEncoder(w).Encode(map[string]int64{"id": id, "balance": bal})
}

func client(ctx context.Context, hc *http.Client, base string, seed int64) {
	rng := rand.New(rand.NewSource(svc.Seed() + seed))
	t := time.NewTicker(time.Second / time.Duration(*rate))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		url := fmt.Sprintf("%s/account?id=%d", base, rng.Intn(520))
		if rng.Intn(4) == 0 {
			url += "&deposit=1"
		}
		resp, err := hc.Get(url)
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
	if err := db.PingContext(ctx); err != nil {
		log.Fatal(err)
	}
	a := &accounts{db: db}
	mux := http.NewServeMux()
	mux.HandleFunc("/account", a.handle)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	ln := svc.Listen()
	go srv.Serve(ln)
	hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *clients}}
	var wg sync.WaitGroup
	for i := 0; i < *clients; i++ {
		wg.Add(1)
		go func(seed int64) {
			defer wg.Done()
			client(ctx, hc, "http://"+ln.Addr().String(), seed)
		}(int64(i))
	}
	<-ctx.Done()
	wg.Wait()
	shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	srv.Shutdown(shut)
	db.Close()
}
