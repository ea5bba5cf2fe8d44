// cache-leak: the page-rendering service of ../boundedcache with the cache
// written as a plain map that nothing ever evicts, keyed by the full request
// URI (so every distinct query string is a new entry).
// LEAKING: every miss renders a 64 KiB page that the map keeps forever; the
// heap's in-use bytes at render's allocation grow with the request count.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"services/internal/svc"
)

var (
	pageSize = flag.Int("page", 64<<10, "bytes per rendered page")
	rate     = flag.Int("rate", 30, "requests per second from the load client")
)

// pageCache memoises rendered pages. It has no size bound and no expiry.
type pageCache struct {
	mu    sync.RWMutex
	pages map[string][]byte
}

func (c *pageCache) get(k string) ([]byte, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	p, ok := c.pages[k]
	return p, ok
}

func (c *pageCache) put(k string, p []byte) {
	c.mu.Lock()
	c.pages[k] = p // grows by one entry per distinct URI, forever
	c.mu.Unlock()
}

// render produces one page.
func render(id int, variant string) []byte {
	page := make([]byte, 0, *pageSize) // LEAK(alloc): kept forever by pageCache.put
	row := fmt.Sprintf("<tr><td>%d</td><td>%s</td><td>%s</td></tr>\n", id, variant, strings.Repeat("x", 64))
	for len(page)+len(row) <= cap(page) {
		page = append(page, row...)
	}
	return page
}

type server struct{ cache *pageCache }

func (s *server) handlePage(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/page/"))
	if err != nil {
		http.Error(w, "bad page", http.StatusBadRequest)
		return
	}
	key := r.URL.RequestURI() // includes ?utm=... : unbounded key space
	page, ok := s.cache.get(key)
	if !ok {
		page = render(id, r.URL.Query().Get("utm"))
		s.cache.put(key, page)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(page)))
	w.Write(page)
}

func loadClient(ctx context.Context, base string) {
	hc := &http.Client{Timeout: 5 * time.Second}
	rng := rand.New(rand.NewSource(svc.Seed() + 7))
	t := time.NewTicker(time.Second / time.Duration(*rate))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		id := int(1500 * rng.Float64() * rng.Float64())
		resp, err := hc.Get(fmt.Sprintf("%s/page/%d?utm=c%d", base, id, rng.Intn(1000000)))
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
	s := &server{cache: &pageCache{pages: make(map[string][]byte)}}
	mux := http.NewServeMux()
	mux.HandleFunc("/page/", s.handlePage)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	ln := svc.Listen()
	go srv.Serve(ln)
	go loadClient(ctx, "http://"+ln.Addr().String())
	<-ctx.Done()
	shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	srv.Shutdown(shut)
}
