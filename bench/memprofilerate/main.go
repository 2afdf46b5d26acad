// An allocation-heavy loop for measuring what heap profiling costs at a
// given MemProfileRate (set through GODEBUG=memprofilerate=N by run.sh):
// small objects of mixed sizes, a quarter of them kept for a while in a
// ring, like a service's per-request garbage. Prints allocations per second
// over a fixed amount of work.
package main

import (
	"fmt"
	"os"
	"runtime"
	"time"
)

type node struct {
	next *node
	buf  []byte
}

var sink *node

func main() {
	const n = 3_000_000
	sizes := []int{16, 48, 128, 512, 2048}
	ring := make([]*node, 4096)
	start := time.Now()
	for i := 0; i < n; i++ {
		x := &node{buf: make([]byte, sizes[i%len(sizes)])}
		if i%4 == 0 {
			ring[i%len(ring)] = x
		} else {
			sink = x
		}
	}
	el := time.Since(start)
	var recs [1]runtime.MemProfileRecord
	runtime.MemProfile(recs[:], false)
	fmt.Printf("%d %.0f\n", runtime.MemProfileRate, float64(2*n)/el.Seconds())
	_ = os.Stdout.Sync()
}
