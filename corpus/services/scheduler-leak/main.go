// scheduler-leak: the housekeeping loops of ../scheduler plus a job API:
// POST-like /jobs requests submit tasks that a runner executes; a task that
// fails is parked until it is due again or cancelled.
// LEAKING: the retry queue was moved into the runner's ticker loop, which
// re-submits failed tasks itself, but the old per-task waiter is still
// started: it selects on a `due` channel nobody sends on any more and a
// `cancel` channel only Cancel() closes (never called). One goroutine per
// failed task parks in that `select` forever.
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

var rate = flag.Int("rate", 20, "job submissions per second from the load client")

type task struct {
	id       int64
	attempts int
	due      chan struct{}
	cancel   chan struct{}
}

// Cancel stops a task's retries.
func (t *task) Cancel() { close(t.cancel) }

type scheduler struct {
	mu      sync.Mutex
	queue   chan *task
	failed  []*task
	nextID  atomic.Int64
	done    atomic.Int64
	retries atomic.Int64
}

func (s *scheduler) submit(t *task) bool {
	select {
	case s.queue <- t:
		return true
	default:
		return false
	}
}

// execute runs one attempt; about one attempt in five fails.
func (s *scheduler) execute(ctx context.Context, t *task) error {
	tm := time.NewTimer(2 * time.Millisecond)
	defer tm.Stop()
	select {
	case <-tm.C:
	case <-ctx.Done():
		return ctx.Err()
	}
	if (t.id+int64(t.attempts))%5 == 0 {
		return fmt.Errorf("task %d: upstream busy", t.id)
	}
	return nil
}

// retryLater waits until the task is due again or cancelled.
func (s *scheduler) retryLater(t *task) {
	select { // LEAK(select): nothing sends on due any more and nobody calls Cancel
	case <-t.due:
		s.submit(t)
	case <-t.cancel:
	}
}

// runner executes queued tasks and, every second, re-submits failed ones.
func (s *scheduler) runner(ctx context.Context) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case t := <-s.queue:
			t.attempts++
			if err := s.execute(ctx, t); err != nil {
				s.mu.Lock()
				s.failed = append(s.failed, t)
				s.mu.Unlock()
				go s.retryLater(t) // left over from the old retry queue
				continue
			}
			s.done.Add(1)
		case <-tick.C:
			s.mu.Lock()
			failed := s.failed
			s.failed = nil
			s.mu.Unlock()
			for _, t := range failed {
				if t.attempts < 3 {
					s.retries.Add(1)
					s.submit(t)
				}
			}
		}
	}
}

func (s *scheduler) handleSubmit(w http.ResponseWriter, r *http.Request) {
	t := &task{id: s.nextID.Add(1), due: make(chan struct{}), cancel: make(chan struct{})}
	if !s.submit(t) {
		http.Error(w, "queue full", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintf(w, "%d\n", t.id)
}

func housekeeping(ctx context.Context, every time.Duration, fn func()) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}

func loadClient(ctx context.Context, url string) {
	hc := &http.Client{Timeout: 2 * time.Second}
	t := time.NewTicker(time.Second / time.Duration(*rate))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
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
	s := &scheduler{queue: make(chan *task, 128)}
	go s.runner(ctx)
	var beats atomic.Int64
	go housekeeping(ctx, time.Second, func() { beats.Add(1) })
	go housekeeping(ctx, 30*time.Second, func() { beats.Add(1) })
	go housekeeping(ctx, 10*time.Minute, func() { beats.Add(1) })

	mux := http.NewServeMux()
	mux.HandleFunc("/jobs", s.handleSubmit)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	ln := svc.Listen()
	go srv.Serve(ln)
	go loadClient(ctx, "http://"+ln.Addr().String()+"/jobs")

	<-ctx.Done()
	shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	srv.Shutdown(shut)
}
