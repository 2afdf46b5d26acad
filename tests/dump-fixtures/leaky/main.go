// A program that builds known structures and dumps its heap, for gmd dump's
// tests. Usage: leaky DIR. It writes DIR/heap1.dump, grows the list by half,
// writes DIR/heap2.dump, and prints facts the test checks (one per line).
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

// node is 1016 bytes: with the 8-byte malloc header its slot is 1024 bytes.
type node struct {
	next    *node
	payload [1008]byte
}

const listLen = 1000

var (
	list     *node             // a linked list of listLen nodes: retains listLen * 1024 bytes
	registry map[int][]byte    // a map of 100 slices of 4096 bytes
	sharedA  *[65536]byte      // the same 64 KiB object from two roots:
	sharedB  *[65536]byte      // retained by neither alone
	ready    = make(chan bool) // the holder goroutine says it holds its buffer
	release  = make(chan bool)
)

func grow(n int) {
	var last *node
	if list != nil {
		last = tail()
	}
	for i := 0; i < n; i++ {
		nd := &node{}
		if list == nil {
			list = nd
		} else {
			last.next = nd
		}
		last = nd
	}
}

func tail() *node {
	n := list
	for n.next != nil {
		n = n.next
	}
	return n
}

// holder keeps a 1 MiB buffer alive from its stack while it blocks.
func holder() {
	buf := make([]byte, 1<<20)
	buf[0] = 1
	ready <- true
	<-release
	runtime.KeepAlive(buf)
}

// waitHolderParked returns once the holder goroutine is blocked in <-release.
// Its send on ready only says it got that far: on a loaded machine it can
// still be runnable when the dump is taken, and the dump would show it in
// another state than the [chan receive] the test expects.
func waitHolderParked() {
	buf := make([]byte, 16<<10) // two goroutines' stacks as text
	for deadline := time.Now().Add(time.Minute); ; {
		if bytes.Contains(buf[:runtime.Stack(buf, true)], []byte(" [chan receive]:\nmain.holder(")) {
			return
		}
		if time.Now().After(deadline) {
			fmt.Fprintln(os.Stderr, "leaky: the holder goroutine did not park within a minute")
			os.Exit(1)
		}
		time.Sleep(time.Millisecond)
	}
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

func main() {
	runtime.MemProfileRate = 1
	grow(listLen)
	registry = make(map[int][]byte)
	for i := 0; i < 100; i++ {
		registry[i] = make([]byte, 4096)
	}
	big := new([65536]byte)
	sharedA, sharedB = big, big
	go holder()
	<-ready
	waitHolderParked()
	dir := os.Args[1]
	fmt.Printf("last %p\n", tail())
	dump(filepath.Join(dir, "heap1.dump"))
	grow(listLen / 2)
	dump(filepath.Join(dir, "heap2.dump"))
	fmt.Printf("last2 %p\n", tail())
	close(release)
}
