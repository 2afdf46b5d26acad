// A goroutine leak for gmd dump's tests. Usage: goleak DIR leak|normal.
//
// leak: spawn starts 3,000 senders that block forever on an unbuffered
// channel nobody reads, each holding its own 1 KiB payload; main.cache (a
// map of 200 slices of 4 KiB) is unrelated heap. The goroutines retain most
// of the heap: their runtime.g, the sudogs they wait with (also on the
// channel's queue) and their payloads.
// normal: three workers wait for work (each with a payload) next to the same
// cache: a program with a few goroutines, none of them a leak.
//
// It waits until every goroutine is parked, writes DIR/heap.dump and prints
// "goroutines N" for the test. In leak mode it first writes DIR/heap1.dump
// with a third of the senders, for diff.
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

type payload struct {
	id   int
	data [1016]byte
}

var (
	cache = map[int][]byte{}
	stuck = make(chan int) // never read
	work  = make(chan *payload)
)

func sender(p *payload) {
	stuck <- p.id // SEND: blocks forever
	runtime.KeepAlive(p)
}

func spawn(n int) {
	for i := 0; i < n; i++ {
		go sender(&payload{id: i}) // GO: the creation site
	}
}

func worker(p *payload) {
	for q := range work { // RECV
		p.id += q.id
	}
	runtime.KeepAlive(p)
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
			fmt.Fprintf(os.Stderr, "goleak: %d of %d goroutines in %s [%s] after two minutes\n", got, n, fn, state)
			os.Exit(1)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func main() {
	runtime.MemProfileRate = 1
	dir, mode := os.Args[1], os.Args[2]
	for i := 0; i < 200; i++ {
		cache[i] = make([]byte, 4096)
	}
	n := 3000
	if mode == "leak" {
		spawn(n / 3)
		waitParked(n/3, "chan send", "main.sender")
		dump(filepath.Join(dir, "heap1.dump"))
		spawn(n - n/3)
		waitParked(n, "chan send", "main.sender")
	} else {
		n = 3
		for i := 0; i < n; i++ {
			go worker(&payload{id: i})
		}
		waitParked(n, "chan receive", "main.worker")
	}
	dump(filepath.Join(dir, "heap.dump"))
	fmt.Printf("goroutines %d\n", n)
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
