// pubsub: an in-process message broker. A publisher posts 50 events/s on a
// few topics; three long-lived subscribers (audit, metrics, search) stay for
// the whole run; short-lived subscribers (browser sessions) arrive ten times
// a second, listen for 1 to 3 seconds and unsubscribe.
// HEALTHY: Unsubscribe removes the subscription and closes its channel, so the
// subscriber's `for ev := range s.ch` loop ends. About 20 sessions are live
// at any moment; each one's goroutine is a different one.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand"
	"sync"
	"sync/atomic"
	"time"

	"services/internal/svc"
)

var (
	pubRate     = flag.Int("pubrate", 50, "events per second")
	sessionRate = flag.Int("sessions", 10, "new sessions per second")
)

type event struct {
	topic string
	seq   int64
	body  string
}

type subscriber struct {
	name  string
	topic string
	ch    chan event
	seen  atomic.Int64
}

// run delivers events to the subscriber until its channel is closed.
func (s *subscriber) run(wg *sync.WaitGroup) {
	defer wg.Done()
	for ev := range s.ch {
		s.seen.Add(1)
		_ = ev
	}
}

type broker struct {
	mu   sync.RWMutex
	subs map[string]map[*subscriber]struct{}
	drop atomic.Int64
}

func (b *broker) Subscribe(name, topic string) *subscriber {
	s := &subscriber{name: name, topic: topic, ch: make(chan event, 32)}
	b.mu.Lock()
	if b.subs[topic] == nil {
		b.subs[topic] = make(map[*subscriber]struct{})
	}
	b.subs[topic][s] = struct{}{}
	b.mu.Unlock()
	return s
}

func (b *broker) Unsubscribe(s *subscriber) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.subs[s.topic][s]; ok {
		delete(b.subs[s.topic], s)
		close(s.ch)
	}
}

// Publish never blocks: a subscriber that is too slow misses the event.
func (b *broker) Publish(ev event) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for s := range b.subs[ev.topic] {
		select {
		case s.ch <- ev:
		default:
			b.drop.Add(1)
		}
	}
}

var topics = []string{"orders", "prices", "alerts", "chat"}

func publisher(ctx context.Context, b *broker) {
	t := time.NewTicker(time.Second / time.Duration(*pubRate))
	defer t.Stop()
	for seq := int64(0); ; seq++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			b.Publish(event{topic: topics[seq%int64(len(topics))], seq: seq, body: fmt.Sprintf("event %d", seq)})
		}
	}
}

// session is one browser tab: subscribe, listen a while, leave.
func session(ctx context.Context, b *broker, wg *sync.WaitGroup, id int, life time.Duration) {
	defer wg.Done()
	s := b.Subscribe(fmt.Sprintf("session-%d", id), topics[id%len(topics)])
	wg.Add(1)
	go s.run(wg)
	t := time.NewTimer(life)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	b.Unsubscribe(s)
}

func main() {
	ctx, stop := svc.Start()
	defer stop()
	b := &broker{subs: make(map[string]map[*subscriber]struct{})}
	var wg sync.WaitGroup
	var long []*subscriber
	for i, name := range []string{"audit", "metrics", "search"} {
		s := b.Subscribe(name, topics[i])
		long = append(long, s)
		wg.Add(1)
		go s.run(&wg)
	}
	go publisher(ctx, b)

	rng := rand.New(rand.NewSource(svc.Seed() + 11))
	t := time.NewTicker(time.Second / time.Duration(*sessionRate))
	defer t.Stop()
	for id := 0; ; id++ {
		select {
		case <-ctx.Done():
			for _, s := range long {
				b.Unsubscribe(s)
			}
			wg.Wait()
			return
		case <-t.C:
			wg.Add(1)
			go session(ctx, b, &wg, id, time.Second+time.Duration(rng.Int63n(int64(2*time.Second))))
		}
	}
}
