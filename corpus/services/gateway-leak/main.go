// gateway-leak: the HTTP API gateway of ../gateway, written the way it often is
// at first: an unbuffered result channel, and an upstream call that does not
// take the request's context. It also gives up sooner (500 ms) and sees a
// little more traffic (3 requests/s). in front of a slow pricing upstream (an
// in-process HTTP server answering in 50 ms to 1.5 s). Each /quote request
// calls the upstream in a goroutine and waits for the result or its deadline
// (1.2 s) in a select. A light client load (about 2 requests/s, Poisson)
// keeps a handful of requests in flight: 0 to 3 at any moment.
// LEAKING: when the gateway gives up (more than half the requests), nobody
// will ever receive from the result channel: the upstream goroutine finishes
// its call and then blocks in `ch <- result{...}` forever.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"sync"
	"time"

	"services/internal/svc"
)

var (
	rate    = flag.Float64("rate", 3, "mean requests per second (Poisson arrivals)")
	timeout = flag.Duration("timeout", 500*time.Millisecond, "gateway deadline per request")
)

type quote struct {
	Symbol string  `json:"symbol"`
	Price  float64 `json:"price"`
}

type result struct {
	q   quote
	err error
}

type gateway struct {
	upstream string
	hc       *http.Client
}

func (g *gateway) callUpstream(ctx context.Context, symbol string) (quote, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.upstream+"/price?s="+symbol, nil)
	if err != nil {
		return quote{}, err
	}
	resp, err := g.hc.Do(req)
	if err != nil {
		return quote{}, err
	}
	defer resp.Body.Close()
	var q quote
	err = json.NewDecoder(resp.Body).Decode(&q)
	return q, err
}

// fetch asks the upstream and gives up at the request's deadline.
func (g *gateway) fetch(ctx context.Context, symbol string) (quote, error) {
	ch := make(chan result) // BUG: unbuffered, and nobody receives after the deadline
	go func() {
		q, err := g.callUpstream(context.Background(), symbol)
		ch <- result{q, err} // LEAK(send): blocks forever once fetch has returned
	}()
	select {
	case r := <-ch:
		return r.q, r.err
	case <-ctx.Done():
		return quote{}, ctx.Err()
	}
}

func (g *gateway) handleQuote(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), *timeout)
	defer cancel()
	q, err := g.fetch(ctx, r.URL.Query().Get("s"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusGatewayTimeout)
		return
	}
	json.NewEncoder(w).Encode(q)
}

// pricing is the slow upstream service.
type pricing struct {
	mu  sync.Mutex
	rng *rand.Rand
}

func (p *pricing) handlePrice(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	d := 50*time.Millisecond + time.Duration(p.rng.Int63n(int64(1450*time.Millisecond)))
	price := 100 + p.rng.Float64()*10
	p.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
		return
	}
	json.NewEncoder(w).Encode(quote{Symbol: r.URL.Query().Get("s"), Price: price})
}

func serve(h http.Handler) string {
	ln := svc.Listen()
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String()
}

func loadClient(ctx context.Context, base string) {
	hc := &http.Client{Timeout: 5 * time.Second}
	rng := rand.New(rand.NewSource(svc.Seed() + 5))
	symbols := []string{"ACME", "GLOBEX", "INITECH", "UMBRELLA"}
	for i := 0; ; i++ {
		wait := time.Duration(rng.ExpFloat64() / *rate * float64(time.Second))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		go func(s string) {
			resp, err := hc.Get(fmt.Sprintf("%s/quote?s=%s", base, s))
			if err != nil {
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}(symbols[i%len(symbols)])
	}
}

func main() {
	ctx, stop := svc.Start()
	defer stop()
	up := http.NewServeMux()
	up.HandleFunc("/price", (&pricing{rng: rand.New(rand.NewSource(svc.Seed() + 9))}).handlePrice)
	g := &gateway{upstream: serve(up), hc: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}}
	mux := http.NewServeMux()
	mux.HandleFunc("/quote", g.handleQuote)
	base := serve(mux)
	go loadClient(ctx, base)
	<-ctx.Done()
}
