package main

// A small in-memory database/sql driver: queries take a few milliseconds
// (a simulated network round trip) and return rows from a shared table.

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"math/rand"
	"sync"
	"time"
)

type fakeDriver struct {
	mu       sync.Mutex
	balances map[int64]int64
	opened   int
}

type fakeConn struct {
	d      *fakeDriver
	closed bool
}

type fakeRows struct {
	cols []string
	rows [][]driver.Value
	i    int
}

func init() {
	d := &fakeDriver{balances: make(map[int64]int64)}
	for i := int64(0); i < 500; i++ {
		d.balances[i] = 1000 + i
	}
	sql.Register("fakedb", d)
}

func (d *fakeDriver) Open(name string) (driver.Conn, error) {
	d.mu.Lock()
	d.opened++
	d.mu.Unlock()
	time.Sleep(2 * time.Millisecond) // handshake
	return &fakeConn{d: d}, nil
}

func (c *fakeConn) Prepare(query string) (driver.Stmt, error) {
	return nil, errors.New("fakedb: prepared statements not supported")
}
func (c *fakeConn) Close() error              { c.closed = true; return nil }
func (c *fakeConn) Begin() (driver.Tx, error) { return c, nil }
func (c *fakeConn) Commit() error             { return nil }
func (c *fakeConn) Rollback() error           { return nil }

func (c *fakeConn) roundTrip(ctx context.Context) error {
	t := time.NewTimer(time.Duration(1+rand.Intn(6)) * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// QueryContext understands "balance <id>".
func (c *fakeConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if err := c.roundTrip(ctx); err != nil {
		return nil, err
	}
	id := args[0].Value.(int64)
	c.d.mu.Lock()
	bal, ok := c.d.balances[id]
	c.d.mu.Unlock()
	r := &fakeRows{cols: []string{"id", "balance"}}
	if ok {
		r.rows = append(r.rows, []driver.Value{id, bal})
	}
	return r, nil
}

// ExecContext understands "add <id> <delta>".
func (c *fakeConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if err := c.roundTrip(ctx); err != nil {
		return nil, err
	}
	id, delta := args[0].Value.(int64), args[1].Value.(int64)
	c.d.mu.Lock()
	c.d.balances[id] += delta
	c.d.mu.Unlock()
	return driver.RowsAffected(1), nil
}

func (c *fakeConn) Ping(ctx context.Context) error { return c.roundTrip(ctx) }

func (r *fakeRows) Columns() []string { return r.cols }
func (r *fakeRows) Close() error      { return nil }
func (r *fakeRows) Next(dest []driver.Value) error {
	if r.i >= len(r.rows) {
		return io.EOF
	}
	copy(dest, r.rows[r.i])
	r.i++
	return nil
}
