// scheduler: a service's housekeeping: periodic jobs on tickers (every 1 s,
// 5 s, 30 s, 2 min and 10 min), a certificate renewal timer due in 12 hours
// (time.AfterFunc), a debounced flusher (time.Timer + Reset) and a small API
// whose handlers use context.WithTimeout and always cancel.
// HEALTHY: each job loop is one goroutine parked in `select` on its ticker
// and ctx.Done(); the slow ones wait minutes by design. Nothing grows.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"services/internal/svc"
)

var rate = flag.Int("rate", 20, "API requests per second from the load client")

type job struct {
	name     string
	interval time.Duration
	run      func(context.Context) error
}

type scheduler struct {
	mu      sync.Mutex
	lastRun map[string]time.Time
	runs    atomic.Int64
}

// loop runs one job on its ticker until ctx ends.
func (s *scheduler) loop(ctx context.Context, j job) {
	t := time.NewTicker(j.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			jctx, cancel := context.WithTimeout(ctx, j.interval/2)
			j.run(jctx)
			cancel()
			s.mu.Lock()
			s.lastRun[j.name] = now
			s.mu.Unlock()
			s.runs.Add(1)
		}
	}
}

// flusher batches writes: it flushes 200 ms after the first pending write.
type flusher struct {
	mu      sync.Mutex
	pending []string
	kick    chan struct{}
	flushed atomic.Int64
}

func (f *flusher) add(s string) {
	f.mu.Lock()
	f.pending = append(f.pending, s)
	f.mu.Unlock()
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

func (f *flusher) run(ctx context.Context) {
	t := time.NewTimer(time.Hour)
	t.Stop()
	armed := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-f.kick:
			if !armed {
				t.Reset(200 * time.Millisecond)
				armed = true
			}
		case <-t.C:
			armed = false
			f.mu.Lock()
			f.flushed.Add(int64(len(f.pending)))
			f.pending = f.pending[:0]
			f.mu.Unlock()
		}
	}
}

type api struct{ fl *flusher }

func (a *api) lookup(ctx context.Context, key string) (string, error) {
	t := time.NewTimer(3 * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
		return "v:" + key, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (a *api) handle(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 250*time.Millisecond)
	defer cancel()
	v, err := a.lookup(ctx, r.URL.Query().Get("k"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusGatewayTimeout)
		return
	}
	a.fl.add(v)
	io.WriteString(w, v)
}

func loadClient(ctx context.Context, url string) {
	hc := &http.Client{Timeout: 2 * time.Second}
	t := time.NewTicker(time.Second / time.Duration(*rate))
	defer t.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		resp, err := hc.Get(fmt.Sprintf("%s?k=%d", url, i%50))
		if err != nil {
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

func work(d time.Duration) func(context.Context) error {
	return func(ctx context.Context) error {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func main() {
	ctx, stop := svc.Start()
	defer stop()
	s := &scheduler{lastRun: make(map[string]time.Time)}
	jobs := []job{
		{"heartbeat", time.Second, work(time.Millisecond)},
		{"metrics-push", 5 * time.Second, work(10 * time.Millisecond)},
		{"session-gc", 30 * time.Second, work(20 * time.Millisecond)},
		{"config-reload", 2 * time.Minute, work(5 * time.Millisecond)},
		{"report-rollup", 10 * time.Minute, work(50 * time.Millisecond)},
	}
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func(j job) {
			defer wg.Done()
			s.loop(ctx, j)
		}(j)
	}
	renew := time.AfterFunc(12*time.Hour, func() { fmt.Println("renewing certificate") })
	defer renew.Stop()

	fl := &flusher{kick: make(chan struct{}, 1)}
	go fl.run(ctx)
	mux := http.NewServeMux()
	mux.HandleFunc("/lookup", (&api{fl: fl}).handle)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	ln := svc.Listen()
	go srv.Serve(ln)
	go loadClient(ctx, "http://"+ln.Addr().String()+"/lookup")

	<-ctx.Done()
	wg.Wait()
	shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	srv.Shutdown(shut)
}
