// noleak: heavy allocation and a warm-up, but no leak. main.warmCache fills
// a cache of 2000 x 4 KiB entries during its first 100 steps (about a second), then only
// replaces entries (its size stays flat); main.processBatch allocates
// ~20 MB/s of short-lived garbage; a fixed pool of 8 workers waits for work.
// Serves net/http/pprof like heapleak.
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

const cacheSize = 2000

var (
	cache = map[int][]byte{}
	sink  []byte
	work  = make(chan int)
)

//go:noinline
func warmCache(key int) {
	cache[key%cacheSize] = make([]byte, 4<<10)
}

//go:noinline
func processBatch() {
	for i := 0; i < 32; i++ {
		sink = make([]byte, 6<<10)
	}
}

func worker() {
	for n := range work {
		sink = make([]byte, n)
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
	fmt.Println("noleak: serving pprof on", ln.Addr())
	go http.Serve(ln, nil)
}

func main() {
	runtime.MemProfileRate = 4096
	serve()
	for i := 0; i < 8; i++ {
		go worker()
	}
	// The warm-up is counted in steps, not time: on a slow machine a timed
	// warm-up would stop half-way and later steps would add new keys.
	for key := 0; ; key++ {
		if key < cacheSize/20 {
			for i := 0; i < 20; i++ {
				warmCache(key*20 + i)
			}
		} else {
			warmCache(key) // replaces an entry: the cache stays at cacheSize
		}
		processBatch()
		work <- 1024
		time.Sleep(10 * time.Millisecond)
	}
}
