// gc fixture: a cache that warms up, then stays flat. The first eighth of
// the steps fills a 32 MiB cache; the rest replace entries at the same size
// (evicting the oldest), with steady garbage. gmd gc must say "stable" and
// find the warm-up (a plateau).
package main

import (
	"fmt"
	"os"
)

const entries = 128
const entrySize = 256 << 10

var cache [entries][]byte
var sink []byte

func churn(n int) {
	for i := 0; i < n; i++ {
		sink = make([]byte, 4096)
		sink[0] = byte(i)
	}
}

func main() {
	next := 0
	for step := 0; step < 1024; step++ {
		churn(256) // 1 MiB of garbage
		// One insertion per step: the cache is full after 128 steps; later
		// insertions evict the oldest entry, so the live size holds.
		b := make([]byte, entrySize)
		b[0] = 1
		cache[next%entries] = b
		next++
		if step%256 == 0 {
			fmt.Fprintf(os.Stderr, "cache: step %d\n", step)
		}
	}
	fmt.Println("cache: done")
}
