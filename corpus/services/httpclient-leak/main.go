// httpclient-leak: the JSON API of ../httpkeepalive with a client that asks
// for ids of which about one in four does not exist.
// LEAKING: on a non-200 answer the client skips the body: it neither reads
// nor closes it. That connection can never go back to the pool, so the
// transport dials a new one for the next request, and each abandoned
// connection keeps its persistConn readLoop and writeLoop goroutines (and the
// server's conn goroutine) forever.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"services/internal/svc"
)

var (
	clients = flag.Int("clients", 4, "keep-alive client goroutines")
	rate    = flag.Int("rate", 5, "requests per second per client")
)

type item struct {
	ID    int      `json:"id"`
	Name  string   `json:"name"`
	Tags  []string `json:"tags"`
	Price float64  `json:"price"`
}

type store struct {
	mu    sync.RWMutex
	items map[int]item
}

func (s *store) get(id int) (item, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	it, ok := s.items[id]
	return it, ok
}

func (s *store) handleItem(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/api/items/"))
	if err != nil {
		http.Error(w, "bad id", http.StatusBadRequest)
		return
	}
	it, ok := s.get(id)
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(it)
}

// client fetches items on one keep-alive connection until ctx ends.
func client(ctx context.Context, hc *http.Client, base string, seed int64) {
	rng := rand.New(rand.NewSource(svc.Seed() + seed))
	tick := time.NewTicker(time.Second / time.Duration(*rate))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/api/items/%d", base, rng.Intn(1333)), nil)
		resp, err := hc.Do(req)
		if err != nil {
			continue
		}
		if resp.StatusCode != http.StatusOK {
			continue // LEAK(body): resp.Body is never closed on this path
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

func main() {
	ctx, stop := svc.Start()
	defer stop()

	s := &store{items: make(map[int]item)}
	for i := 0; i < 1000; i++ {
		s.items[i] = item{ID: i, Name: fmt.Sprintf("item-%04d", i), Tags: []string{"a", "b"}, Price: float64(i) / 7}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/items/", s.handleItem)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 5 * time.Minute}
	ln := svc.Listen()
	go srv.Serve(ln)

	// No Client.Timeout (like http.DefaultClient): it would close an abandoned
	// body after the timeout and so bound the leak.
	hc := &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: *clients, IdleConnTimeout: 5 * time.Minute},
	}
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
	if err := srv.Shutdown(shut); err != nil {
		log.Print(err)
	}
}
