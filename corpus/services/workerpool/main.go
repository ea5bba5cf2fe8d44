// workerpool: an ingest service that hands each uploaded document to three
// fixed worker pools of different sizes: 4 thumbnail workers, 64 notifier
// workers and 400 indexer workers, all started once by main.
// HEALTHY: between jobs every worker is parked in `chan receive` on
// `for j := range jobs`; the pools are closed and drained on shutdown.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"services/internal/svc"
)

var (
	thumbWorkers  = flag.Int("thumb", 4, "thumbnail workers")
	notifyWorkers = flag.Int("notify", 64, "notification workers")
	indexWorkers  = flag.Int("index", 400, "indexing workers")
	rate          = flag.Int("rate", 60, "uploads per second from the load client")
)

type doc struct {
	id   int64
	body []byte
}

type service struct {
	thumbs  chan doc
	notify  chan doc
	index   chan doc
	indexed atomic.Int64
	words   sync.Map // word -> *atomic.Int64
}

func (s *service) thumbWorker(wg *sync.WaitGroup) {
	defer wg.Done()
	for d := range s.thumbs {
		sum := sha256.Sum256(d.body)
		_ = sum
		time.Sleep(2 * time.Millisecond) // encode
	}
}

func (s *service) notifyWorker(wg *sync.WaitGroup) {
	defer wg.Done()
	for d := range s.notify {
		time.Sleep(time.Duration(5+d.id%20) * time.Millisecond) // webhook round trip
	}
}

func (s *service) indexWorker(wg *sync.WaitGroup) {
	defer wg.Done()
	for d := range s.index {
		for _, w := range strings.Fields(string(d.body)) {
			v, _ := s.words.LoadOrStore(w, new(atomic.Int64))
			v.(*atomic.Int64).Add(1)
		}
		s.indexed.Add(1)
	}
}

func (s *service) handleUpload(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	d := doc{id: time.Now().UnixNano(), body: body}
	select {
	case s.index <- d:
	case <-r.Context().Done():
		return
	}
	s.thumbs <- d
	s.notify <- d
	w.WriteHeader(http.StatusAccepted)
}

var vocabulary = strings.Fields("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon")

func loadClient(ctx context.Context, url string) {
	hc := &http.Client{Timeout: 5 * time.Second}
	rng := rand.New(rand.NewSource(svc.Seed() + 1))
	t := time.NewTicker(time.Second / time.Duration(*rate))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		var b bytes.Buffer
		for i := 0; i < 200; i++ {
			b.WriteString(vocabulary[rng.Intn(len(vocabulary))])
			b.WriteByte(' ')
		}
		resp, err := hc.Post(url, "text/plain", &b)
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
	s := &service{thumbs: make(chan doc, 16), notify: make(chan doc, 64), index: make(chan doc, 256)}

	var wg sync.WaitGroup
	for i := 0; i < *thumbWorkers; i++ {
		wg.Add(1)
		go s.thumbWorker(&wg)
	}
	for i := 0; i < *notifyWorkers; i++ {
		wg.Add(1)
		go s.notifyWorker(&wg)
	}
	for i := 0; i < *indexWorkers; i++ {
		wg.Add(1)
		go s.indexWorker(&wg)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/upload", s.handleUpload)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	ln := svc.Listen()
	go srv.Serve(ln)
	go loadClient(ctx, fmt.Sprintf("http://%s/upload", ln.Addr()))

	<-ctx.Done()
	shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	srv.Shutdown(shut)
	close(s.thumbs)
	close(s.notify)
	close(s.index)
	wg.Wait()
}
