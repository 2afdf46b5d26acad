// gc fixture: a leak hidden by GOMEMLIMIT. Run with GOMEMLIMIT=80MiB: the
// live heap grows from 16 MiB towards the limit, the runtime caps the heap
// goal at the limit, so RSS stays flat while GC runs more and more often.
// gmd gc must say "growing" and warn that the memory limit binds.
package main

import "fmt"

var base [][]byte
var leaked [][]byte
var sink []byte

func churn(n int) {
	for i := 0; i < n; i++ {
		sink = make([]byte, 4096)
		sink[0] = byte(i)
	}
}

func main() {
	for i := 0; i < 128; i++ {
		base = append(base, make([]byte, 128<<10))
	}
	for step := 0; step < 800; step++ {
		churn(512) // 2 MiB of garbage
		b := make([]byte, 64<<10)
		b[0] = 1
		leaked = append(leaked, b)
	}
	fmt.Println("memlimit: done", len(leaked))
}
