// goleak: a service with a known goroutine leak. Every 20 ms main.startWatcher
// starts a goroutine in main.waitForUpdate that waits on a channel nobody ever
// sends on, so it blocks forever (about 50 goroutines/s). Short-lived workers
// come and go alongside. Serves net/http/pprof like heapleak.
package main

import (
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
	"time"
)

var sink []byte

//go:noinline
func waitForUpdate(updates chan []byte) {
	sink = <-updates
}

//go:noinline
func startWatcher() {
	updates := make(chan []byte)
	go waitForUpdate(updates)
}

//go:noinline
func shortJob(done chan struct{}) {
	buf := make([]byte, 4<<10)
	time.Sleep(5 * time.Millisecond)
	sink = buf
	done <- struct{}{}
}

func serve() {
	ln, err := net.Listen("tcp", "127.0.0.1:"+os.Getenv("PORT"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if f := os.Getenv("PORTFILE"); f != "" {
		os.WriteFile(f, []byte(fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)), 0o644)
	}
	fmt.Println("goleak: serving pprof on", ln.Addr())
	go http.Serve(ln, nil)
}

func main() {
	runtime.MemProfileRate = 4096
	serve()
	for {
		startWatcher()
		done := make(chan struct{}, 4)
		for i := 0; i < 4; i++ {
			go shortJob(done)
		}
		for i := 0; i < 4; i++ {
			<-done
		}
		time.Sleep(15 * time.Millisecond)
	}
}
