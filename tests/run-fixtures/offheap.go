// offheap: memory that grows outside the Go heap. Every 125 ms
// main.mapRegion maps 1 MiB of anonymous memory with syscall.Mmap, writes
// every page (so it is resident) and never unmaps it: RSS grows 8 MiB/s
// while the Go heap and the goroutine count stay flat. The same shape as C
// memory leaked through cgo, or thread stacks. Serves net/http/pprof.
package main

import (
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"syscall"
	"time"
)

var (
	regions [][]byte
	sink    []byte
)

//go:noinline
func mapRegion() {
	b, err := syscall.Mmap(-1, 0, 1<<20, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	regions = append(regions, b)
}

//go:noinline
func handle() {
	for i := 0; i < 32; i++ {
		sink = make([]byte, 4<<10)
	}
}

func serve(name string) {
	ln, err := net.Listen("tcp", "127.0.0.1:"+os.Getenv("PORT"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if f := os.Getenv("PORTFILE"); f != "" {
		os.WriteFile(f, []byte(fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)), 0o644)
	}
	fmt.Println(name+": serving pprof on", ln.Addr())
	go http.Serve(ln, nil)
}

func main() {
	serve("offheap")
	for i := 0; ; i++ {
		if i%5 == 0 {
			mapRegion()
		}
		handle()
		time.Sleep(25 * time.Millisecond)
	}
}
