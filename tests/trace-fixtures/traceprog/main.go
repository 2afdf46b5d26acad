// traceprog records an execution trace of a fixed workload, for gmd trace's
// tests: every count the tests assert is guaranteed by this program.
//
//	leakWorker  200 goroutines created by startLeaks, blocked forever on a
//	            channel receive (the leak)
//	shortTask   500 goroutines created by churn, all ended before the trace stops
//	mutexWaiter 8 goroutines contending on a mutex, ended
//	sleeper     4 goroutines in time.Sleep, ended
//	selector    4 goroutines blocked in select until closed, ended
//	condWaiter  4 goroutines in sync.Cond.Wait, woken by Broadcast, ended
//	piper       2 goroutines reading pipes (syscalls / I/O), ended
//	2 forced GCs (runtime.GC) plus allocation churn; 3 user tasks, 5 regions,
//	7 log messages; CPU profiling on, so the trace has CPU samples (how many
//	is up to the machine: tests compare them with the reference reader).
//
// Usage: traceprog OUT.trace [big|tiny]
//
//	big   loops the workload for the benchmark's large trace
//	tiny  only 3 leaks, 5 short tasks, one GC and one task (fuzz seeds)
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"sync"
	"time"
)

var sink [][]byte

func leakWorker(ch chan int) { <-ch }

func startLeaks(n int) []chan int {
	chans := make([]chan int, n)
	for i := range chans {
		chans[i] = make(chan int)
		go leakWorker(chans[i])
	}
	return chans
}

func shortTask(wg *sync.WaitGroup, n int) {
	defer wg.Done()
	s := 0
	for i := 0; i < n; i++ {
		s += i
	}
	if s < 0 {
		fmt.Println(s)
	}
}

func churn(n int) {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go shortTask(&wg, 1000)
	}
	wg.Wait()
}

func mutexWaiter(mu *sync.Mutex, wg *sync.WaitGroup) {
	defer wg.Done()
	for i := 0; i < 50; i++ {
		mu.Lock()
		time.Sleep(10 * time.Microsecond)
		mu.Unlock()
	}
}

func sleeper(wg *sync.WaitGroup) {
	defer wg.Done()
	time.Sleep(2 * time.Millisecond)
}

func selector(a, b chan int, wg *sync.WaitGroup) {
	defer wg.Done()
	select {
	case <-a:
	case <-b:
	}
}

func condWaiter(c *sync.Cond, ready *bool, wg *sync.WaitGroup) {
	defer wg.Done()
	c.L.Lock()
	for !*ready {
		c.Wait()
	}
	c.L.Unlock()
}

func piper(r *os.File, wg *sync.WaitGroup) {
	defer wg.Done()
	buf := make([]byte, 64)
	for {
		if _, err := r.Read(buf); err != nil {
			return
		}
	}
}

func blockers() {
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go mutexWaiter(&mu, &wg)
	}
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go sleeper(&wg)
	}
	a, b := make(chan int), make(chan int)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go selector(a, b, &wg)
	}
	cmu := sync.Mutex{}
	cond := sync.NewCond(&cmu)
	ready := false
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go condWaiter(cond, &ready, &wg)
	}
	var ws []*os.File
	for i := 0; i < 2; i++ {
		r, w, err := os.Pipe()
		if err != nil {
			panic(err)
		}
		ws = append(ws, w)
		wg.Add(1)
		go piper(r, &wg)
	}
	time.Sleep(5 * time.Millisecond)
	for _, w := range ws {
		w.Write([]byte("hello"))
		time.Sleep(time.Millisecond)
		w.Close()
	}
	close(a)
	cmu.Lock()
	ready = true
	cond.Broadcast()
	cmu.Unlock()
	wg.Wait()
}

func gcChurn(rounds int) {
	for r := 0; r < rounds; r++ {
		for i := 0; i < 2000; i++ {
			sink = append(sink, make([]byte, 1024))
		}
		sink = sink[:0]
	}
}

func annotations(ctx context.Context) {
	for t := 0; t < 3; t++ {
		tctx, task := trace.NewTask(ctx, fmt.Sprintf("job%d", t))
		trace.Log(tctx, "phase", "start")
		if t < 2 {
			trace.WithRegion(tctx, "load", func() { gcChurn(1) })
			trace.WithRegion(tctx, "store", func() { gcChurn(1) })
		} else {
			trace.WithRegion(tctx, "load", func() { gcChurn(1) })
		}
		trace.Log(tctx, "phase", "end")
		task.End()
	}
	trace.Log(ctx, "done", "yes")
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: traceprog OUT.trace [big]")
		os.Exit(2)
	}
	f, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	mode := ""
	if len(os.Args) > 2 {
		mode = os.Args[2]
	}
	if mode != "tiny" {
		if err := pprof.StartCPUProfile(io.Discard); err != nil {
			panic(err)
		}
		defer pprof.StopCPUProfile()
	}
	if err := trace.Start(f); err != nil {
		panic(err)
	}
	if mode == "tiny" {
		leaks := startLeaks(3)
		churn(5)
		runtime.GC()
		ctx, task := trace.NewTask(context.Background(), "tiny")
		trace.Log(ctx, "k", "v")
		task.End()
		trace.Stop()
		f.Close()
		runtime.KeepAlive(leaks)
		return
	}
	base := runtime.NumGoroutine()
	leaks := startLeaks(200)
	churn(500)
	blockers()
	gcChurn(5)
	runtime.GC()
	annotations(context.Background())
	runtime.GC()
	if mode == "big" {
		// The benchmark's trace: the same kinds of events for a long time
		// (BIG_ROUNDS rounds, default 10000: about 220 MB).
		rounds := 10000
		if n, err := strconv.Atoi(os.Getenv("BIG_ROUNDS")); err == nil && n > 0 {
			rounds = n
		}
		for i := 0; i < rounds; i++ {
			churn(500)
			gcChurn(2)
			if i%100 == 0 {
				blockers()
			}
		}
	}
	// A goroutine that has called wg.Done may not have exited yet: wait
	// until only the leaks are left, so "ended" counts are exact.
	for i := 0; i < 30000 && runtime.NumGoroutine() > base+200; i++ {
		time.Sleep(time.Millisecond)
	}
	trace.Stop()
	if err := f.Close(); err != nil {
		panic(err)
	}
	runtime.KeepAlive(leaks)
}
