// warmup: a cache that fills for 14 s and then holds: no leak. Every 20 ms
// main.(*cache).fill adds a 16 KiB entry (about 800 KiB/s) until the cache
// has 700 entries (about 11 MiB); after that requests only read it. Short-
// lived buffers churn alongside throughout. Serves net/http/pprof.
package main

import (
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"time"
)

type cache struct{ entries map[int][]byte }

var sink []byte

//go:noinline
func (c *cache) fill(k int) {
	c.entries[k] = make([]byte, 16<<10)
}

//go:noinline
func handle(c *cache, k int) {
	for i := 0; i < 16; i++ {
		sink = make([]byte, 2<<10)
	}
	if e, ok := c.entries[k%len(c.entries)]; ok {
		sink = e[:1]
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
	serve("warmup")
	c := &cache{entries: map[int][]byte{}}
	for k := 0; ; k++ {
		if len(c.entries) < 700 {
			c.fill(k)
		}
		handle(c, k)
		time.Sleep(20 * time.Millisecond)
	}
}
