// noleak: heavy allocation and a warm-up, but no leak. main.warmCache fills
// a cache of 200 x 64 KiB entries during its first 100 steps (about a
// second), then only replaces entries (its size stays flat);
// main.processBatch allocates ~20 MB/s of short-lived garbage; a fixed pool
// of 8 workers waits for work. Serves net/http/pprof like heapleak.
//
// The entries are 64 KiB so that the heap profile measures the cache
// exactly: at MemProfileRate = 4096 an allocation of that size is always
// sampled, while a 4 KiB one is sampled with probability 1 - 1/e, so the
// estimated size of a cache whose entries are replaced wanders like a
// random walk, now and then steadily enough over a few seconds to be judged
// a leak.
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

const (
	cacheSize   = 200
	entrySize   = 64 << 10
	warmSteps   = 100
	warmPerStep = cacheSize / warmSteps
)

var (
	cache = map[int][]byte{}
	sink  []byte
	work  = make(chan int)
)

//go:noinline
func warmCache(key int) {
	cache[key%cacheSize] = make([]byte, entrySize)
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
		if key < warmSteps {
			for i := 0; i < warmPerStep; i++ {
				warmCache(key*warmPerStep + i)
			}
		} else {
			warmCache(key) // replaces an entry: the cache stays at cacheSize
		}
		processBatch()
		work <- 1024
		time.Sleep(10 * time.Millisecond)
	}
}
