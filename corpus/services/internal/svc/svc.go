// Package svc holds what every corpus service shares: the pprof listener the
// capture script reads from, and the process-wide shutdown context.
package svc

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof/* on http.DefaultServeMux
	"os"
	"os/signal"
	"syscall"
	"time"
)

var (
	pprofAddr = flag.String("pprof", "127.0.0.1:0", "address of the /debug/pprof listener (loopback only)")
	seed      = flag.Int64("seed", time.Now().UnixNano(), "seed of the load's random choices (the capture script passes one per run)")
)

// Seed is the -seed flag: each run draws its own load, as separate
// processes in production do.
func Seed() int64 { return *seed }

// Start parses the flags, serves /debug/pprof on a loopback port and prints
// "PPROF_ADDR=host:port" on stdout, the line the capture script waits for.
// The returned context ends on SIGINT or SIGTERM.
func Start() (context.Context, context.CancelFunc) {
	flag.Parse()
	ln, err := net.Listen("tcp", *pprofAddr)
	if err != nil {
		log.Fatalf("pprof listener: %v", err)
	}
	srv := &http.Server{Handler: http.DefaultServeMux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("pprof server: %v", err)
		}
	}()
	fmt.Printf("PPROF_ADDR=%s\n", ln.Addr())
	os.Stdout.Sync()
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// Listen opens a loopback listener on a free port for the service itself.
func Listen() net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	return ln
}
