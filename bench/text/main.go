// textprog writes the text profiles of a program with many goroutines, for
// bench/run.sh's "text" verbs (see bench/README.md):
//
//	textprog DIR [GOROUTINES] [PATHS]
//	GOTRACEBACK=all textprog DIR [GOROUTINES] [PATHS] quit 2>DUMP
//
// GOROUTINES (default 100000) goroutines each walk one of PATHS (default
// 5000) call paths through eight functions, 2 to 9 calls deep, then block
// once on a channel and contend on one of 64 mutexes (so the block and mutex
// profiles get one record per path), then park in one of three states. DIR
// receives goroutine-debug1.txt, goroutine-debug2.txt (the same traceback
// text as a SIGQUIT dump, but the runtime cuts it at 64 MiB),
// block-debug1.txt and mutex-debug1.txt. With "quit" the program then
// sends itself SIGQUIT: the runtime prints every goroutine to stderr, uncut,
// as a user's pasted dump of a big server would be.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	start   = make(chan struct{})
	never   = make(chan struct{})
	mus     [64]sync.Mutex
	ready   atomic.Int64
	parked  atomic.Int64
	sink    atomic.Int64
	parkAll sync.Mutex
)

// The eight steps of a walk: p picks the next one, three bits a call.
//
//go:noinline
func f0(p, d, i int) { step(p, d, i) }

//go:noinline
func f1(p, d, i int) { step(p, d, i) }

//go:noinline
func f2(p, d, i int) { step(p, d, i) }

//go:noinline
func f3(p, d, i int) { step(p, d, i) }

//go:noinline
func f4(p, d, i int) { step(p, d, i) }

//go:noinline
func f5(p, d, i int) { step(p, d, i) }

//go:noinline
func f6(p, d, i int) { step(p, d, i) }

//go:noinline
func f7(p, d, i int) { step(p, d, i) }

//go:noinline
func step(p, d, i int) {
	if d == 0 {
		work(p, i)
		return
	}
	call(p&7, p>>3|(p&7)<<27, d-1, i)
}

func call(f, p, d, i int) {
	switch f {
	case 0:
		f0(p, d, i)
	case 1:
		f1(p, d, i)
	case 2:
		f2(p, d, i)
	case 3:
		f3(p, d, i)
	case 4:
		f4(p, d, i)
	case 5:
		f5(p, d, i)
	case 6:
		f6(p, d, i)
	default:
		f7(p, d, i)
	}
}

//go:noinline
func work(p, i int) {
	ready.Add(1)
	<-start // one block profile event per path
	m := &mus[p&63]
	for k := 0; k < 4; k++ {
		m.Lock()
		sink.Add(1)
		m.Unlock()
	}
	parked.Add(1)
	switch i % 3 {
	case 0:
		<-never
	case 1:
		select {
		case <-never:
		case <-start2:
		}
	default:
		parkAll.Lock() // held by main: "sync.Mutex.Lock"
		parkAll.Unlock()
	}
}

var start2 = make(chan struct{})

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: textprog DIR [GOROUTINES] [PATHS]")
		os.Exit(2)
	}
	dir := os.Args[1]
	n, paths := 100000, 5000
	if len(os.Args) > 2 {
		n, _ = strconv.Atoi(os.Args[2])
	}
	if len(os.Args) > 3 {
		paths, _ = strconv.Atoi(os.Args[3])
	}
	runtime.SetBlockProfileRate(1)
	runtime.SetMutexProfileFraction(1)
	parkAll.Lock()
	for i := 0; i < n; i++ {
		p := (i * 2654435761) % paths
		go call(p&7, p>>3, 2+p%8, i)
	}
	for ready.Load() < int64(n) {
		time.Sleep(10 * time.Millisecond)
	}
	close(start)
	for parked.Load() < int64(n) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // let the last ones reach their park
	write := func(name, prof string, debug int) {
		f, err := os.Create(filepath.Join(dir, name))
		if err == nil {
			err = pprof.Lookup(prof).WriteTo(f, debug)
		}
		if err == nil {
			err = f.Close()
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	write("goroutine-debug1.txt", "goroutine", 1)
	write("goroutine-debug2.txt", "goroutine", 2)
	write("block-debug1.txt", "block", 1)
	write("mutex-debug1.txt", "mutex", 1)
	if len(os.Args) > 4 && os.Args[4] == "quit" {
		syscall.Kill(os.Getpid(), syscall.SIGQUIT)
		time.Sleep(time.Minute)
	}
}
