// gc fixture: a steady leak. Every step allocates the same amount of
// short-lived garbage (which drives GC cycles by allocation volume, not by
// wall-clock time) and keeps 96 KiB forever in a global map, like a cache
// without eviction. Run with GODEBUG=gctrace=1; gmd gc must say "growing".
package main

import (
	"fmt"
	"os"
)

var leaked = map[int][]byte{}
var sink []byte

func churn(n int) {
	for i := 0; i < n; i++ {
		sink = make([]byte, 4096)
		sink[0] = byte(i)
	}
}

func main() {
	for step := 0; step < 400; step++ {
		churn(512) // 2 MiB of garbage
		b := make([]byte, 96<<10)
		b[0] = 1
		leaked[step] = b
		if step%100 == 0 {
			fmt.Fprintf(os.Stderr, "leak: step %d, %d entries\n", step, len(leaked))
		}
	}
	fmt.Println("leak: done", len(leaked))
}
