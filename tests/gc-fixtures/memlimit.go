// gc fixture: a leak hidden by GOMEMLIMIT. Run with GOMEMLIMIT=140MiB: the
// live heap grows from 16 MiB by 100 MiB towards the limit, the runtime caps the heap
// goal at the limit, so RSS stays flat while GC runs more and more often.
// gmd gc must say "growing" and warn that the memory limit binds.
//
// The leak is paced by GC cycles (1 MiB kept after each), not by
// allocation: as the limit nears, the GC runs more often and slows the
// program down, and a leak paced by allocation then flattened in wall time
// towards the end of the log, which read as a plateau on some runs. It is
// large against the noise of the live-heap readings (objects allocated
// while the GC marks are counted live: up to ~15 MB here).
package main

import (
	"fmt"
	"runtime"
)

var base [][]byte
var leaked [][]byte
var sink []byte

// gcs receives a value after each GC cycle: a finalizer on an unreachable
// sentinel runs once the GC has found it unreachable, and re-arms itself.
var gcs = make(chan struct{}, 64)

type sentinel struct{ _ [16]byte }

func arm() {
	s := &sentinel{}
	runtime.SetFinalizer(s, func(*sentinel) {
		select {
		case gcs <- struct{}{}:
		default:
		}
		arm()
	})
}

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
	arm()
	for len(leaked) < 800 { // 800 x 128 KiB = 100 MiB
		churn(64) // 256 KiB of garbage
		select {
		case <-gcs:
			for k := 0; k < 8; k++ {
				b := make([]byte, 128<<10)
				b[0] = 1
				leaked = append(leaked, b)
			}
		default:
		}
	}
	fmt.Println("memlimit: done", len(leaked))
}
