// batchdrain-leak: the reconciliation job of ../batchdrain, where each batch
// also has a few reporters (metrics, audit, export...) that wait for the
// batch to finish on a sync.Cond before they publish its summary.
// LEAKING: finish() broadcasts only when the batch succeeded; when a batch
// fails (about half of them) it marks the batch done but never calls
// Broadcast, so that batch's reporters wait in `cond.Wait()` forever.
package main

import (
	"context"
	"errors"
	"flag"
	"math/rand"
	"sync"
	"time"

	"services/internal/svc"
)

var (
	batchSize = flag.Int("batch", 1000, "records per batch")
	every     = flag.Duration("every", 2*time.Second, "time between batch starts")
	reporters = flag.Int("reporters", 6, "reporters waiting for each batch")
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

// batch is one reconciliation run; reporters wait for it on cond.
type batch struct {
	id         int
	mu         sync.Mutex
	cond       *sync.Cond
	done       bool
	err        error
	mismatches int
}

func newBatch(id int) *batch {
	b := &batch{id: id}
	b.cond = sync.NewCond(&b.mu)
	return b
}

var errTooManyMismatches = errors.New("too many mismatches")

func (b *batch) finish(mismatches int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done = true
	b.mismatches = mismatches
	if mismatches > 10 {
		b.err = errTooManyMismatches
		return // BUG: the waiters are never woken on the error path
	}
	b.cond.Broadcast()
}

// await blocks until the batch is finished and returns its result.
func (b *batch) await() (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for !b.done {
		b.cond.Wait() // LEAK(condwait): finish() skips Broadcast when the batch fails
	}
	return b.mismatches, b.err
}

type reconciler struct {
	mu        sync.Mutex
	rng       *rand.Rand
	published int
}

func (r *reconciler) random(n int64) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rng.Int63n(n)
}

func (r *reconciler) check(ctx context.Context, rec record, out chan<- outcome) {
	t := time.NewTimer(100*time.Millisecond + time.Duration(r.random(int64(1400*time.Millisecond))))
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		out <- outcome{id: rec.id, err: ctx.Err()}
		return
	}
	out <- outcome{id: rec.id, mismatch: r.random(100) == 0}
}

func (r *reconciler) report(b *batch, sink string) {
	if _, err := b.await(); err != nil {
		return
	}
	r.mu.Lock()
	r.published++
	r.mu.Unlock()
}

func (r *reconciler) runBatch(ctx context.Context, id int) {
	ctx, cancel := context.WithTimeout(ctx, *every)
	defer cancel()
	b := newBatch(id)
	for _, sink := range []string{"metrics", "audit", "export", "slack", "warehouse", "email"}[:*reporters] {
		go r.report(b, sink)
	}
	out := make(chan outcome)
	for i := 0; i < *batchSize; i++ {
		go r.check(ctx, record{id: id**batchSize + i, amount: int64(i * 7919)}, out)
	}
	mismatches := 0
	for i := 0; i < *batchSize; i++ {
		if o := <-out; o.mismatch {
			mismatches++
		}
		time.Sleep(200 * time.Microsecond)
	}
	b.finish(mismatches)
}

func main() {
	ctx, stop := svc.Start()
	defer stop()
	r := &reconciler{rng: rand.New(rand.NewSource(svc.Seed() + 3))}
	t := time.NewTicker(*every)
	defer t.Stop()
	for id := 0; ; id++ {
		r.runBatch(ctx, id)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
