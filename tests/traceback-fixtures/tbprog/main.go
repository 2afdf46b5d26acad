// tbprog: Go programs that die in the ways test_tracebacks.sh reads back.
//
//	tbprog panic|nilderef|deadlock|mapwrites|repanic|deep|sigquit|trace
//
// Every mode first starts 6 worker goroutines that block on a channel (one of
// them locked to its thread) and prints a few log lines, so the dump has
// text before it and more than one goroutine. sigquit prints "ready" once
// the workers are started and sleeps until the test sends SIGQUIT. trace
// writes a short execution trace to stdout (a file gmd pprof must refuse).
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/trace"
	"sync"
	"time"
)

var block = make(chan int)

//go:noinline
func worker(wg *sync.WaitGroup, locked bool) {
	if locked {
		runtime.LockOSThread()
	}
	wg.Done()
	<-block
}

func startWorkers() {
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go worker(&wg, i == 0)
	}
	wg.Wait()
}

type node struct{ next *node }

//go:noinline
func deref(n *node) *node { return n.next }

//go:noinline
func recurse(n int) int {
	if n == 0 {
		panic("too deep")
	}
	return recurse(n-1) + 1
}

//go:noinline
func repanic() {
	defer func() {
		r := recover()
		panic(fmt.Sprint("again after ", r))
	}()
	panic("first")
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: tbprog panic|nilderef|deadlock|mapwrites|repanic|deep|sigquit|trace")
		os.Exit(2)
	}
	startWorkers()
	fmt.Fprintln(os.Stderr, "2024/05/01 12:00:00 starting server on :8080")
	fmt.Fprintln(os.Stderr, "2024/05/01 12:00:01 goroutine pool ready (6 workers)")
	switch os.Args[1] {
	case "panic":
		panic("boom: the widget is broken")
	case "nilderef":
		fmt.Println(deref(nil))
	case "deadlock":
		<-block
	case "mapwrites":
		m := map[int]int{}
		for i := 0; i < 2; i++ {
			go func() {
				for j := 0; ; j++ {
					m[j%1000] = j
				}
			}()
		}
		time.Sleep(time.Hour)
	case "repanic":
		repanic()
	case "deep":
		recurse(300)
	case "trace":
		if err := trace.Start(os.Stdout); err != nil {
			panic(err)
		}
		time.Sleep(10 * time.Millisecond)
		trace.Stop()
	case "sigquit":
		fmt.Println("ready")
		time.Sleep(time.Hour)
	}
}
