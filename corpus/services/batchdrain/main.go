// batchdrain: a reconciliation job that every few seconds fetches a batch of
// 1000 records and checks each one in its own goroutine (a simulated remote
// lookup of 100 ms to 1.5 s), sending the outcome to one collector over an
// unbounded fan-in channel. The collector writes a summary per batch.
// HEALTHY: every batch drains: all 1000 goroutines finish and the collector
// returns before the next batch starts. A snapshot may land mid-batch and see
// hundreds of checkers parked in select (waiting on the lookup) or in
// `chan send` (waiting for the collector), but none survives its batch.
package main

import (
	"context"
	"flag"
	"math/rand"
	"sync"
	"time"

	"services/internal/svc"
)

var (
	batchSize = flag.Int("batch", 1000, "records per batch")
	every     = flag.Duration("every", 4*time.Second, "time between batch starts")
)

type record struct {
	id     int
	amount int64
}

type outcome struct {
	id       int
	mismatch bool
	err      error
}

type reconciler struct {
	mu        sync.Mutex
	rng       *rand.Rand
	summaries []summary
}

type summary struct {
	batch      int
	checked    int
	mismatches int
	took       time.Duration
}

func (r *reconciler) latency() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return 100*time.Millisecond + time.Duration(r.rng.Int63n(int64(1400*time.Millisecond)))
}

// check looks one record up in the ledger of record (simulated) and reports.
func (r *reconciler) check(ctx context.Context, rec record, out chan<- outcome) {
	t := time.NewTimer(r.latency())
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		out <- outcome{id: rec.id, err: ctx.Err()}
		return
	}
	out <- outcome{id: rec.id, mismatch: rec.amount%97 == 0}
}

// collect drains exactly n outcomes. It is a little slow (a write per outcome),
// so checkers that finish together queue in chan send for a moment.
func (r *reconciler) collect(batch, n int, in <-chan outcome, started time.Time) summary {
	s := summary{batch: batch}
	for i := 0; i < n; i++ {
		o := <-in
		s.checked++
		if o.mismatch {
			s.mismatches++
		}
		time.Sleep(200 * time.Microsecond)
	}
	s.took = time.Since(started)
	return s
}

func (r *reconciler) runBatch(ctx context.Context, batch int) {
	ctx, cancel := context.WithTimeout(ctx, *every)
	defer cancel()
	out := make(chan outcome)
	started := time.Now()
	for i := 0; i < *batchSize; i++ {
		go r.check(ctx, record{id: batch**batchSize + i, amount: int64(i * 7919)}, out)
	}
	s := r.collect(batch, *batchSize, out, started)
	r.mu.Lock()
	r.summaries = append(r.summaries, s)
	if len(r.summaries) > 100 {
		r.summaries = r.summaries[1:]
	}
	r.mu.Unlock()
}

func main() {
	ctx, stop := svc.Start()
	defer stop()
	r := &reconciler{rng: rand.New(rand.NewSource(svc.Seed() + 3))}
	t := time.NewTicker(*every)
	defer t.Stop()
	for batch := 0; ; batch++ {
		r.runBatch(ctx, batch)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
