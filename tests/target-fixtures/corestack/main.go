// corestack: a goroutine that is running when a core is taken, at a known
// line, and a panic that crashes at a known line; for gmd's reading of a
// core's thread registers (tests/cli/test_core_stacks.sh).
//
//	corestack        parks a goroutine in the kernel while it stays running
//	                 (a raw pause(2): no entersyscall; with
//	                 GODEBUG=asyncpreemptoff=1 nothing can preempt it), prints
//	                 "ready" once it is there, then waits forever
//	corestack crash  panics (assignment to a nil map) in main.crashHere
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
	"syscall"
)

var started atomic.Bool

func parkInKernel() {
	started.Store(true)
	for {
		syscall.RawSyscall(syscall.SYS_PAUSE, 0, 0, 0) // corestack: parked here
	}
}

var table map[string]int

func crashHere(key string) {
	table[key] = 1 // corestack: crashes here
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "crash" {
		crashHere("boom")
		return
	}
	runtime.GOMAXPROCS(4) // the parked goroutine keeps one P for good
	go parkInKernel()
	for !started.Load() {
		runtime.Gosched()
	}
	fmt.Println("ready")
	select {}
}
