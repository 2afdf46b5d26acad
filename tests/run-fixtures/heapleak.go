// heapleak: a service with a known heap leak. Every 10 ms main.rememberRequest
// keeps a 16 KiB record in a global map that is never pruned (about 1.6 MB/s),
// while main.handleRequest churns through short-lived buffers several times
// faster. It serves net/http/pprof on 127.0.0.1:$PORT (0 = any free port,
// written to $PORTFILE when set).
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

var (
	history = map[int][]byte{}
	sink    []byte
)

//go:noinline
func rememberRequest(id int) {
	history[id] = make([]byte, 16<<10)
}

//go:noinline
func handleRequest() {
	for i := 0; i < 64; i++ {
		sink = make([]byte, 8<<10)
	}
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
	fmt.Println("heapleak: serving pprof on", ln.Addr())
	go http.Serve(ln, nil)
}

func main() {
	runtime.MemProfileRate = 4096
	serve()
	for id := 0; ; id++ {
		rememberRequest(id)
		handleRequest()
		time.Sleep(10 * time.Millisecond)
	}
}
