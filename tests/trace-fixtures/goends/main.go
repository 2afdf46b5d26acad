// goends: goleak's goroutine shape (main.startWatcher starts
// main.waitForUpdate, which waits on a channel) under an execution trace,
// except that every such goroutine is sent its update and ends. The trace it
// writes to os.Args[1] is put into a copy of tests/bundles/goleak by
// cli/test_verdict_trace: goroutines ending as fast as they are created are
// evidence against the goroutine leak the profiles show.
package main

import (
	"os"
	"runtime"
	"runtime/trace"
	"time"
)

var sink []byte

//go:noinline
func waitForUpdate(updates chan []byte) {
	sink = <-updates
}

//go:noinline
func startWatcher() chan []byte {
	updates := make(chan []byte)
	go waitForUpdate(updates)
	return updates
}

func main() {
	f, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	if err := trace.Start(f); err != nil {
		panic(err)
	}
	base := runtime.NumGoroutine() // tracing's own goroutines included
	for i := 0; i < 40; i++ {
		updates := startWatcher()
		time.Sleep(2 * time.Millisecond)
		updates <- make([]byte, 16)
	}
	// A goroutine that has received may not have exited yet: wait until
	// all have, so the trace's "ended" count is exact (40).
	for i := 0; i < 30000 && runtime.NumGoroutine() > base; i++ {
		time.Sleep(time.Millisecond)
	}
	trace.Stop()
	if err := f.Close(); err != nil {
		panic(err)
	}
}
