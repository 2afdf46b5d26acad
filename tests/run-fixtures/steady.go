// steady: a steady service with no leak. A fixed pool of 100 sessions of
// 64 KiB, each replaced now and then; request workers that come and go (a
// few goroutines at a time); short-lived buffers. Everything it keeps stays
// the same size. Serves net/http/pprof.
package main

import (
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"sync"
	"time"
)

var (
	sessions [100][]byte
	mu       sync.Mutex
	sink     []byte
)

//go:noinline
func renewSession(i int) {
	mu.Lock()
	sessions[i%len(sessions)] = make([]byte, 64<<10)
	mu.Unlock()
}

//go:noinline
func worker(done *sync.WaitGroup) {
	defer done.Done()
	b := make([]byte, 8<<10)
	time.Sleep(5 * time.Millisecond)
	mu.Lock()
	sink = b[:1]
	mu.Unlock()
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
	serve("steady")
	for i := 0; ; i++ {
		renewSession(i)
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go worker(&wg)
		}
		wg.Wait()
		time.Sleep(10 * time.Millisecond)
	}
}
