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
	"os"
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
	time.Sleep(200 * time.Millisecond) // let them park in Lock
	if crash {
		panic("goroutine_states: crash on purpose")
	}
	write(os.Args[2])
}
