// goroutine_states: a known set of goroutines for test_pprof_goroutines.sh.
//
//	goroutine_states SNAP1 SNAP2   write debug=2 goroutine profiles before and
//	                               after 20 goroutines block on a held mutex
//	goroutine_states crash         the same goroutines, then panic (the crash
//	                               dump goes to stderr; run with GOTRACEBACK=all)
//
// The 20 goroutines block in sync.(*Mutex).Lock, which the traceback shows
// as inlined frames "(...)" above main.mutexWaiter.
package main

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

var mu sync.Mutex

//go:noinline
func mutexWaiter(wg *sync.WaitGroup) {
	wg.Done()
	mu.Lock()
}

func write(path string) {
	f, err := os.Create(path)
	if err != nil {
		panic(err)
	}
	pprof.Lookup("goroutine").WriteTo(f, 2)
	f.Close()
}

// waitLocked returns once n goroutines are parked in sync.Mutex.Lock. The
// WaitGroup only says they reached Lock; a fixed sleep after it is not
// enough on a loaded machine (one still spinning or runnable has another
// state), so poll the goroutines' states.
func waitLocked(n int) {
	buf := make([]byte, 1<<20)
	for deadline := time.Now().Add(time.Minute); ; {
		got := bytes.Count(buf[:runtime.Stack(buf, true)], []byte(" [sync.Mutex.Lock]:\n"))
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "goroutine_states: %d of %d goroutines parked in Lock after a minute\n", got, n)
			os.Exit(1)
		}
		time.Sleep(time.Millisecond)
	}
}

func main() {
	crash := len(os.Args) > 1 && os.Args[1] == "crash"
	if !crash {
		write(os.Args[1])
	}
	mu.Lock()
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go mutexWaiter(&wg)
	}
	wg.Wait()
	waitLocked(20)
	if crash {
		panic("goroutine_states: crash on purpose")
	}
	write(os.Args[2])
}
