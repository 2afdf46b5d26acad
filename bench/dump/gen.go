// Generates a large heap dump for gmd dump's benchmark: millions of small
// objects in lists, maps and slices, like a service with a big cache.
// Usage: go run gen.go OUT.dump [MB]   (default 1200 MB of live heap)
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
)

type entry struct {
	key   string
	val   []byte
	next  *entry
	peer  *entry
	count int64
}

var (
	cache  = map[int]*entry{}
	chains [][]*entry
)

func main() {
	mb := 1200
	if len(os.Args) > 2 {
		mb, _ = strconv.Atoi(os.Args[2])
	}
	target := uint64(mb) << 20
	var ms runtime.MemStats
	var prev *entry
	for i := 0; ; i++ {
		e := &entry{key: strconv.Itoa(i), val: make([]byte, 16+i%200), next: prev, count: int64(i)}
		if i%3 == 0 {
			cache[i] = e
		}
		if i%1000 == 0 {
			chains = append(chains, make([]*entry, 0, 64))
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > target {
				break
			}
		}
		c := chains[len(chains)-1]
		if len(c) < cap(c) {
			chains[len(chains)-1] = append(c, e)
		}
		if prev != nil && i%7 == 0 {
			e.peer = prev.next
		}
		prev = e
		if i%50000 == 0 {
			prev = nil // many separate chains
		}
	}
	f, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	runtime.GC()
	debug.WriteHeapDump(f.Fd())
	f.Close()
	runtime.ReadMemStats(&ms)
	fmt.Printf("heap objects %d, heap alloc %d MB\n", ms.HeapObjects, ms.HeapAlloc>>20)
}
