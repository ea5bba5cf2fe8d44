// workerpool-leak: the ingest service of ../workerpool, but each upload is
// split into sections that the indexer pool handles in parallel, and a
// per-upload collector waits for all sections with a sync.WaitGroup.
// LEAKING: an indexer that rejects a section (too long) logs and moves on
// without calling done(), so that upload's collector waits in
// `wg.Wait()` forever: one goroutine per rejected upload, never collected.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"services/internal/svc"
)

var (
	thumbWorkers = flag.Int("thumb", 4, "thumbnail workers")
	indexWorkers = flag.Int("index", 400, "indexing workers")
	rate         = flag.Int("rate", 20, "uploads per second from the load client")
)

type section struct {
	text string
	done func()
}

type dispatcher struct {
	thumbs   chan []byte
	sections chan section
	indexed  atomic.Int64
	rejected atomic.Int64
	words    sync.Map
	logger   *log.Logger
}

var errTooLong = errors.New("section too long")

func (d *dispatcher) indexSection(text string) error {
	if len(text) > 1130 {
		return errTooLong
	}
	for _, w := range strings.Fields(text) {
		v, _ := d.words.LoadOrStore(w, new(atomic.Int64))
		v.(*atomic.Int64).Add(1)
	}
	return nil
}

func (d *dispatcher) indexWorker(wg *sync.WaitGroup) {
	defer wg.Done()
	for s := range d.sections {
		if err := d.indexSection(s.text); err != nil {
			d.rejected.Add(1)
			d.logger.Printf("index: %v", err)
			continue // BUG: s.done() is skipped on this path
		}
		s.done()
	}
}

func (d *dispatcher) thumbWorker(wg *sync.WaitGroup) {
	defer wg.Done()
	for b := range d.thumbs {
		sum := sha256.Sum256(b)
		_ = sum
		time.Sleep(2 * time.Millisecond)
	}
}

// collect waits until every section of one upload is indexed, then counts it.
func (d *dispatcher) collect(wg *sync.WaitGroup, id int64) {
	wg.Wait() // LEAK(wgwait): a rejected section never calls Done
	d.indexed.Add(1)
}

func (d *dispatcher) handleUpload(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	parts := strings.Split(string(body), "\n\n")
	wg := new(sync.WaitGroup)
	wg.Add(len(parts))
	for _, p := range parts {
		select {
		case d.sections <- section{text: p, done: wg.Done}:
		case <-r.Context().Done():
			return
		}
	}
	go d.collect(wg, time.Now().UnixNano())
	d.thumbs <- body
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
		for s := 0; s < 4; s++ {
			n := 100 + rng.Intn(120) // about one section in 20 is too long
			for i := 0; i < n; i++ {
				b.WriteString(vocabulary[rng.Intn(len(vocabulary))])
				b.WriteByte(' ')
			}
			b.WriteString("\n\n")
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
	d := &dispatcher{thumbs: make(chan []byte, 16), sections: make(chan section, 256), logger: log.New(io.Discard, "", 0)}
	var wg sync.WaitGroup
	for i := 0; i < *thumbWorkers; i++ {
		wg.Add(1)
		go d.thumbWorker(&wg)
	}
	for i := 0; i < *indexWorkers; i++ {
		wg.Add(1)
		go d.indexWorker(&wg)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/upload", d.handleUpload)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	ln := svc.Listen()
	go srv.Serve(ln)
	go loadClient(ctx, fmt.Sprintf("http://%s/upload", ln.Addr()))

	<-ctx.Done()
	shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	srv.Shutdown(shut)
	close(d.thumbs)
	close(d.sections)
	wg.Wait()
}
