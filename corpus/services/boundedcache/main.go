// boundedcache: a page-rendering service with an LRU cache of rendered pages
// (96 KiB each) capped at 200 entries.
// HEALTHY: the heap rises while the cache warms up (the first seconds) and
// then stays at the cap: every new page evicts the least recently used one.
package main

import (
	"container/list"
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
	capacity = flag.Int("cap", 200, "pages kept in the cache")
	pageSize = flag.Int("page", 96<<10, "bytes per rendered page")
	rate     = flag.Int("rate", 40, "requests per second from the load client")
	keys     = flag.Int("keys", 1500, "distinct pages requested")
)

type entry struct {
	key  string
	page []byte
}

// lru is a size-capped cache: Get moves a hit to the front, Add evicts from the back.
type lru struct {
	mu    sync.Mutex
	cap   int
	order *list.List
	items map[string]*list.Element
	hits  int
	miss  int
}

func newLRU(n int) *lru {
	return &lru{cap: n, order: list.New(), items: make(map[string]*list.Element, n)}
}

func (c *lru) Get(k string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[k]; ok {
		c.order.MoveToFront(e)
		c.hits++
		return e.Value.(*entry).page, true
	}
	c.miss++
	return nil, false
}

func (c *lru) Add(k string, page []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[k]; ok {
		c.order.MoveToFront(e)
		e.Value.(*entry).page = page
		return
	}
	c.items[k] = c.order.PushFront(&entry{key: k, page: page})
	for c.order.Len() > c.cap {
		old := c.order.Back()
		c.order.Remove(old)
		delete(c.items, old.Value.(*entry).key)
	}
}

// render produces one page; the bytes stay alive as long as the cache keeps them.
func render(id int) []byte {
	page := make([]byte, 0, *pageSize)
	row := fmt.Sprintf("<tr><td>%d</td><td>%s</td></tr>\n", id, strings.Repeat("x", 64))
	for len(page)+len(row) <= cap(page) {
		page = append(page, row...)
	}
	return page
}

type server struct{ cache *lru }

func (s *server) handlePage(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/page/"))
	if err != nil {
		http.Error(w, "bad page", http.StatusBadRequest)
		return
	}
	key := strconv.Itoa(id)
	page, ok := s.cache.Get(key)
	if !ok {
		page = render(id)
		s.cache.Add(key, page)
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
		// a skewed key distribution, as real traffic has
		id := int(float64(*keys) * rng.Float64() * rng.Float64())
		resp, err := hc.Get(fmt.Sprintf("%s/page/%d", base, id))
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
	s := &server{cache: newLRU(*capacity)}
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
