// prog is the process bench/attach/run.sh reads with gmd, Delve and its own
// net/http/pprof. One of three shapes, chosen by flags:
//
//	-goroutines N  N goroutines parked in a channel receive, made at four
//	               creation sites, each 10 to 20 frames deep (a chain of
//	               four functions picked by the goroutine's index);
//	-buckets N     about N distinct heap profile buckets: MemProfileRate 1,
//	               one retained allocation per call path, the paths walking
//	               seven levels through four functions (4^7 = 16,384 paths),
//	               then two GCs so the buckets are published;
//	-work          steady CPU + allocation work on GOMAXPROCS goroutines,
//	               printing "ops/s N ops/cpus M" once a second (ops per wall
//	               second and per CPU second of the process; the slowdown test).
//
// It serves net/http/pprof on 127.0.0.1:0 and prints "port N" once
// everything is in place. It also keeps a heartbeat: a goroutine that wakes
// every millisecond and remembers the longest gap between wake-ups; GET
// /stall returns that gap in milliseconds and resets it. A tool that stops
// the process (Delve) shows up as a gap as long as the stop; one that only
// reads its memory (gmd) does not.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var maxGap atomic.Int64 // nanoseconds

func heartbeat() {
	last := time.Now()
	for {
		time.Sleep(time.Millisecond)
		now := time.Now()
		gap := int64(now.Sub(last))
		for {
			old := maxGap.Load()
			if gap <= old || maxGap.CompareAndSwap(old, gap) {
				break
			}
		}
		last = now
	}
}

// ---------------------------------------------------------------- goroutines

var (
	never   = make(chan int)
	started sync.WaitGroup
)

// Four functions that call each other: which one comes next is picked by
// two bits of path, so the stacks are not all alike.
//
//go:noinline
func gA(path uint64, depth int) { descend(path, depth) }

//go:noinline
func gB(path uint64, depth int) { descend(path, depth) }

//go:noinline
func gC(path uint64, depth int) { descend(path, depth) }

//go:noinline
func gD(path uint64, depth int) { descend(path, depth) }

//go:noinline
func descend(path uint64, depth int) {
	if depth <= 0 {
		started.Done()
		<-never
		return
	}
	switch path & 3 {
	case 0:
		gA(path>>2, depth-1)
	case 1:
		gB(path>>2, depth-1)
	case 2:
		gC(path>>2, depth-1)
	default:
		gD(path>>2, depth-1)
	}
}

// Four creation sites. The depth counts descend+gX pairs, so a goroutine
// is 2*depth+2 frames deep: depth 4..9 gives 10..20 frames.
//
//go:noinline
func spawnWorkers(n int) {
	for i := 0; i < n; i++ {
		go descend(uint64(i)*2654435761, 4+i%6)
	}
}

//go:noinline
func spawnConns(n int) {
	for i := 0; i < n; i++ {
		go descend(uint64(i)*40503, 4+(i/3)%6)
	}
}

//go:noinline
func spawnTimers(n int) {
	for i := 0; i < n; i++ {
		go descend(uint64(i), 4+(i/7)%6)
	}
}

//go:noinline
func spawnJobs(n int) {
	for i := 0; i < n; i++ {
		go descend(^uint64(i), 4+(i/11)%6)
	}
}

func parkGoroutines(n int) {
	started.Add(n)
	q := n / 4
	spawnWorkers(q)
	spawnConns(q)
	spawnTimers(q)
	spawnJobs(n - 3*q)
	started.Wait()
	// Done() runs just before the receive: wait until every one has parked.
	for deadline := time.Now().Add(5 * time.Minute); ; {
		if parked(n) {
			return
		}
		if time.Now().After(deadline) {
			fmt.Fprintln(os.Stderr, "prog: goroutines not parked after 5 minutes")
			os.Exit(1)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// parked reports whether at least n goroutines are waiting in a chan
// receive, from the runtime's own goroutine dump.
func parked(n int) bool {
	buf := make([]byte, 64<<20)
	for {
		k := runtime.Stack(buf, true)
		if k < len(buf) {
			buf = buf[:k]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	c := 0
	pat := []byte("[chan receive]:")
	for i := 0; i+len(pat) <= len(buf); i++ {
		if buf[i] == '[' && string(buf[i:i+len(pat)]) == string(pat) {
			c++
		}
	}
	return c >= n
}

// ---------------------------------------------------------------- buckets

var retained [][]byte

// Seven levels through four functions; each path ends in an allocation of
// its own, so each path is a bucket of its own.
//
//go:noinline
func hA(path uint64, depth int) { branch(path, depth) }

//go:noinline
func hB(path uint64, depth int) { branch(path, depth) }

//go:noinline
func hC(path uint64, depth int) { branch(path, depth) }

//go:noinline
func hD(path uint64, depth int) { branch(path, depth) }

//go:noinline
func branch(path uint64, depth int) {
	if depth <= 0 {
		retained = append(retained, make([]byte, 64+int(path%8)*32))
		return
	}
	switch path & 3 {
	case 0:
		hA(path>>2, depth-1)
	case 1:
		hB(path>>2, depth-1)
	case 2:
		hC(path>>2, depth-1)
	default:
		hD(path>>2, depth-1)
	}
}

func makeBuckets(n int) {
	retained = make([][]byte, 0, n)
	for i := 0; i < n && i < 1<<14; i++ {
		branch(uint64(i), 7)
	}
	runtime.GC()
	runtime.GC()
}

// ---------------------------------------------------------------- work

var sink atomic.Uint64

// One op: build a small map and a slice, hash some bytes. Both CPU and
// allocation, like a request handler.
//
//go:noinline
func op(seed uint64) uint64 {
	m := make(map[uint64]uint64, 8)
	b := make([]byte, 256)
	h := seed
	for i := range b {
		h = h*6364136223846793005 + 1442695040888963407
		b[i] = byte(h >> 56)
	}
	for i := 0; i < 8; i++ {
		m[h>>uint(i)] = uint64(b[i*8])
	}
	for k, v := range m {
		h ^= k + v
	}
	return h
}

func work() {
	var ops atomic.Int64
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		go func(w int) {
			s := uint64(w)
			for {
				for i := 0; i < 100; i++ {
					s = op(s)
				}
				sink.Add(s)
				ops.Add(100)
			}
		}(w)
	}
	// Ops per wall second, and per CPU second of this process: the second
	// does not drop when other programs take the CPU from it, only when
	// something makes its own work slower (cache, memory bandwidth, a
	// stop would not show in it either, but the first figure shows stops).
	go func() {
		prev, prevCPU := ops.Load(), cpuSeconds()
		t := time.Now()
		for {
			time.Sleep(time.Second)
			now, cur, c := time.Now(), ops.Load(), cpuSeconds()
			fmt.Printf("ops/s %.0f ops/cpus %.0f\n", float64(cur-prev)/now.Sub(t).Seconds(), float64(cur-prev)/(c-prevCPU))
			prev, t, prevCPU = cur, now, c
		}
	}()
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func main() {
	ng := flag.Int("goroutines", 0, "goroutines to park")
	nb := flag.Int("buckets", 0, "distinct heap profile buckets to make (at most 16384)")
	w := flag.Bool("work", false, "steady CPU+allocation work, ops/s printed every second")
	flag.Parse()
	if *nb > 0 {
		runtime.MemProfileRate = 1
		makeBuckets(*nb)
	}
	if *ng > 0 {
		parkGoroutines(*ng)
	}
	go heartbeat()
	http.HandleFunc("/stall", func(rw http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(rw, "%.3f\n", float64(maxGap.Swap(0))/1e6)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "prog:", err)
		os.Exit(1)
	}
	go http.Serve(ln, nil)
	fmt.Printf("port %d\n", ln.Addr().(*net.TCPAddr).Port)
	if *w {
		// Profile the work at the default rate: sampling every allocation
		// would make the work measure the profiler. The buckets made above stay.
		runtime.MemProfileRate = 512 * 1024
		work()
	}
	select {}
}
