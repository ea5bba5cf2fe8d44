// streaming-leak: the streaming server of ../streaming, with per-session quota
// accounting and an admin "kick" that cancels a session. A client
// connects, sends "SUB <topic>", and then receives every update on that topic
// plus a heartbeat every 30 s. Updates are rare (one per topic every 20 s), so
// each connection's writer goroutine spends nearly all its life parked in
// `select`. In-process clients hold 12 long-lived streams and reconnect
// after 5 s to 5 min each.
// LEAKING: a session's context is made from context.Background() so that the
// admin can cancel it; only kick() calls its cancel. When the client simply
// goes away the reader closes `done` (the writer returns) but the session's
// watchQuota goroutine stays parked in `<-ctx.Done()` forever. Clients here
// reconnect every 2 to 6 s, so about two such goroutines are added per second.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand"
	"net"
	"strings"
	"sync"
	"time"

	"services/internal/svc"
)

var (
	clients   = flag.Int("clients", 8, "concurrent streaming clients")
	minLife   = flag.Duration("minlife", 2*time.Second, "shortest client connection")
	maxLife   = flag.Duration("maxlife", 6*time.Second, "longest client connection")
	updateGap = flag.Duration("updates", 20*time.Second, "time between updates on a topic")
)

var topics = []string{"btc", "eth", "sol"}

type session struct {
	id      int64
	user    string
	conn    net.Conn
	topic   string
	updates chan string
	done    chan struct{} // closed by the reader when the client goes away
	cancel  context.CancelFunc
}

// quota counts open streams per user.
type quota struct {
	mu   sync.Mutex
	open map[string]int
}

func (q *quota) acquire(user string) {
	q.mu.Lock()
	q.open[user]++
	q.mu.Unlock()
}

func (q *quota) release(user string) {
	q.mu.Lock()
	q.open[user]--
	q.mu.Unlock()
}

// watchQuota gives the session's quota back when the session is cancelled.
func (s *session) watchQuota(ctx context.Context, q *quota) {
	<-ctx.Done() // LEAK(ctxdone): only kick() cancels; a client that leaves never does
	q.release(s.user)
}

// writer sends updates and heartbeats until the session ends.
func (s *session) writer(ctx context.Context, wg *sync.WaitGroup) {
	defer s.conn.Close()
	defer wg.Done()
	hb := time.NewTicker(30 * time.Second)
	defer hb.Stop()
	w := bufio.NewWriter(s.conn)
	for {
		select {
		case u := <-s.updates:
			fmt.Fprintf(w, "UPD %s %s\n", s.topic, u)
		case <-hb.C:
			w.WriteString("HB\n")
		case <-ctx.Done():
			return
		case <-s.done:
			return
		}
		s.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if err := w.Flush(); err != nil {
			return
		}
	}
}

type hub struct {
	mu   sync.Mutex
	subs map[string]map[*session]struct{}
}

func (h *hub) add(s *session) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs[s.topic] == nil {
		h.subs[s.topic] = make(map[*session]struct{})
	}
	h.subs[s.topic][s] = struct{}{}
}

func (h *hub) remove(s *session) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs[s.topic], s)
}

func (h *hub) publish(topic, u string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs[topic] {
		select {
		case s.updates <- u:
		default: // a slow client skips an update
		}
	}
}

type server struct {
	hub      *hub
	quota    *quota
	wg       sync.WaitGroup
	mu       sync.Mutex
	sessions map[int64]*session
	nextID   int64
}

// kick ends a session on an operator's request.
func (srv *server) kick(id int64) {
	srv.mu.Lock()
	s := srv.sessions[id]
	delete(srv.sessions, id)
	srv.mu.Unlock()
	if s != nil {
		s.cancel()
	}
}

func (srv *server) handle(ctx context.Context, c net.Conn) {
	defer srv.wg.Done()
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "SUB ") {
		c.Close()
		return
	}
	// The session may be kicked by an operator, so it gets its own context.
	sctx, cancel := context.WithCancel(context.Background())
	srv.mu.Lock()
	srv.nextID++
	s := &session{id: srv.nextID, user: c.RemoteAddr().String(), conn: c, topic: strings.TrimSpace(line[4:]),
		updates: make(chan string, 8), done: make(chan struct{}), cancel: cancel}
	srv.sessions[s.id] = s
	srv.mu.Unlock()
	srv.quota.acquire(s.user)
	go s.watchQuota(sctx, srv.quota)
	srv.hub.add(s)
	defer srv.hub.remove(s)
	srv.wg.Add(1)
	go s.writer(sctx, &srv.wg)
	// The client sends nothing more; reading tells us when it goes away.
	io.Copy(io.Discard, r)
	close(s.done) // BUG: s.cancel() is not called when the client leaves
	srv.mu.Lock()
	delete(srv.sessions, s.id)
	srv.mu.Unlock()
}

func (srv *server) serve(ctx context.Context, ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		srv.wg.Add(1)
		go srv.handle(ctx, c)
	}
}

func feed(ctx context.Context, h *hub) {
	t := time.NewTicker(*updateGap / time.Duration(len(topics)))
	defer t.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			h.publish(topics[i%len(topics)], now.Format(time.RFC3339Nano))
		}
	}
}

// client keeps one stream open for a while, then reconnects, until ctx ends.
func client(ctx context.Context, addr string, seed int64) {
	rng := rand.New(rand.NewSource(svc.Seed() + seed))
	for ctx.Err() == nil {
		life := *minLife + time.Duration(rng.Int63n(int64(*maxLife-*minLife)))
		c, err := net.Dial("tcp", addr)
		if err != nil {
			time.Sleep(time.Second)
			continue
		}
		fmt.Fprintf(c, "SUB %s\n", topics[rng.Intn(len(topics))])
		lctx, cancel := context.WithTimeout(ctx, life)
		go func() {
			<-lctx.Done()
			c.Close()
		}()
		io.Copy(io.Discard, c)
		cancel()
	}
}

func main() {
	ctx, stop := svc.Start()
	defer stop()
	h := &hub{subs: make(map[string]map[*session]struct{})}
	srv := &server{hub: h, quota: &quota{open: make(map[string]int)}, sessions: make(map[int64]*session)}
	ln := svc.Listen()
	go srv.serve(ctx, ln)
	go feed(ctx, h)
	for i := 0; i < *clients; i++ {
		go client(ctx, ln.Addr().String(), int64(i))
	}
	<-ctx.Done()
	ln.Close()
	done := make(chan struct{})
	go func() { srv.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		log.Print("streams still open at exit")
	}
}
