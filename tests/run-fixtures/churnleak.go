// churnleak: a leak of small pointer-rich nodes (main.remember keeps 2,000
// every 10 ms), and main.handleRequest churning through short-lived 8 KiB
// buffers (about 50 MB/s) that nothing keeps. As the kept heap grows, each
// GC's mark phase takes longer, and the buffers allocated while it marks
// survive that cycle: the heap profile (as of the last GC) shows
// handleRequest's in-use bytes rising with the heap, though each buffer lives
// one cycle at most. GOGC=20 and one P (set here) make cycles frequent and
// marking slow, so the rise is steady within a 20 s run. Serves
// net/http/pprof on 127.0.0.1:$PORT.
package main

import (
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
	"runtime/debug"
	"time"
)

type node struct {
	next *node
	val  [6]*int
}

var (
	kept []*node
	sink []byte
)

//go:noinline
func remember() {
	for i := 0; i < 2000; i++ {
		kept = append(kept, &node{})
	}
}

//go:noinline
func handleRequest() {
	for i := 0; i < 64; i++ {
		sink = make([]byte, 8<<10)
	}
}

func main() {
	runtime.MemProfileRate = 4096
	runtime.GOMAXPROCS(1)
	debug.SetGCPercent(20)
	ln, err := net.Listen("tcp", "127.0.0.1:"+os.Getenv("PORT"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("churnleak: serving pprof on", ln.Addr())
	go http.Serve(ln, nil)
	for {
		remember()
		handleRequest()
		time.Sleep(10 * time.Millisecond)
	}
}
