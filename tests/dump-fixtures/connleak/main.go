// A connection leak for gmd dump's tests. Usage: connleak DIR.
//
// Each accepted *main.Conn is held four ways at once, as net/http's
// persistConn or nats' client are: by its reader goroutine (blocked in
// chan receive in main.readLoop), its writer goroutine (blocked in select
// in main.writeLoop), the global map main.conns and the map in the clients
// field of the *main.Server in main.srv (on the heap). No root retains a
// connection alone, so no root is a suspect; together the connections (and
// their 2 KiB read and 1 KiB write buffers) are most of the heap. main.cache
// (200 slices of 4 KiB) is unrelated heap, a root suspect of its own.
//
// It writes DIR/heap1.dump with 200 connections and DIR/heap.dump with 500
// once every goroutine is parked, and prints "conns N" for the test.
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"time"
)

type Conn struct {
	id  int
	n   int
	in  []byte
	out []byte
	rch chan []byte
	wch chan []byte
}

type Server struct {
	name    string
	clients map[int]*Conn
}

var (
	srv   *Server
	conns = map[int]*Conn{}
	cache = map[int][]byte{}
	quit  = make(chan struct{}) // never closed
)

//go:noinline
func readLoop(c *Conn) {
	for b := range c.rch { // RECV
		c.n += copy(c.in, b)
	}
	runtime.KeepAlive(c)
}

//go:noinline
func writeLoop(c *Conn) {
	for {
		select { // SELECT
		case b := <-c.wch:
			c.n += copy(c.out, b)
		case <-quit:
			return
		}
	}
}

func accept(from, to int) {
	for i := from; i < to; i++ {
		c := &Conn{id: i, in: make([]byte, 2048), out: make([]byte, 1024), rch: make(chan []byte), wch: make(chan []byte)}
		conns[i] = c
		srv.clients[i] = c
		go readLoop(c)
		go writeLoop(c)
	}
}

// waitParked returns once n goroutines show `state` with `fn` on their stack.
func waitParked(n int, state, fn string) {
	buf := make([]byte, 64<<20)
	want := []byte(" [" + state + "]:\n")
	for deadline := time.Now().Add(2 * time.Minute); ; {
		got := 0
		for _, g := range bytes.Split(buf[:runtime.Stack(buf, true)], []byte("\n\n")) {
			if bytes.Contains(g, want) && bytes.Contains(g, []byte("\n"+fn+"(")) {
				got++
			}
		}
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "connleak: %d of %d goroutines in %s [%s] after two minutes\n", got, n, fn, state)
			os.Exit(1)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func main() {
	dir := os.Args[1]
	srv = &Server{name: "connleak", clients: map[int]*Conn{}}
	for i := 0; i < 200; i++ {
		cache[i] = make([]byte, 4096)
	}
	accept(0, 200)
	waitParked(200, "chan receive", "main.readLoop")
	waitParked(200, "select", "main.writeLoop")
	dump(filepath.Join(dir, "heap1.dump"))
	accept(200, 500)
	waitParked(500, "chan receive", "main.readLoop")
	waitParked(500, "select", "main.writeLoop")
	dump(filepath.Join(dir, "heap.dump"))
	fmt.Printf("conns %d\n", len(conns))
}

func dump(path string) {
	f, err := os.Create(path)
	if err != nil {
		panic(err)
	}
	runtime.GC()
	debug.WriteHeapDump(f.Fd())
	f.Close()
}
