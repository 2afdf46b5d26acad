// liveprog is the live process gmd's target layer reads (memory sources,
// goroutines, the heap profile's buckets). It parks a known set of
// goroutines and keeps known allocations, then stays alive until killed or
// until its stdin is closed:
//   - 10 in main.receiver, blocked in chan receive, created by main.startReceivers;
//   - 5 in main.selector, blocked in select on two never-ready channels,
//     created by main.startSelectors;
//   - 4 in main.locker, waiting on a sync.Mutex that main holds, created by
//     main.startLockers;
//   - 1 in main.sleeper, in time.Sleep(1h);
//   - main.allocRetained keeps 2,000 x 4 KiB []byte in a global slice;
//   - main.allocMap keeps a map[int][]byte of 1,000 x 1 KiB values.
//
// Every allocation is sampled (runtime.MemProfileRate = 1, set before main
// runs) and two GCs publish the heap profile's buckets. It then serves
// net/http/pprof on 127.0.0.1 and prints "port NNNN", so tests can compare
// gmd's reads with the program's own /debug/pprof/heap and
// /debug/pprof/goroutine?debug=2; with -nohttp it prints "ready" instead.
// Both lines come only once every goroutine is parked in its state.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"regexp"
	"runtime"
	"sync"
	"time"
)

// Set at package initialisation, before main and before most of the
// runtime's own allocations in main, so every allocation is sampled.
var _ = setRate()

func setRate() int {
	runtime.MemProfileRate = 1
	return 0
}

var (
	never    = make(chan int)
	mu       sync.Mutex
	retained [][]byte
	kept     map[int][]byte
)

//go:noinline
func receiver(ch chan int) { <-ch }

//go:noinline
func startReceivers(n int) {
	for i := 0; i < n; i++ {
		go receiver(never)
	}
}

//go:noinline
func selector(a, b chan int) {
	for {
		select {
		case <-a:
		case <-b:
		}
	}
}

//go:noinline
func startSelectors(n int) {
	for i := 0; i < n; i++ {
		go selector(make(chan int), make(chan int))
	}
}

//go:noinline
func locker() {
	mu.Lock()
	mu.Unlock()
}

//go:noinline
func startLockers(n int) {
	for i := 0; i < n; i++ {
		go locker()
	}
}

// Sleeps for ever, an hour at a time: its pending timer also keeps the
// runtime from declaring a deadlock when nothing else can wake.
//
//go:noinline
func sleeper() {
	for {
		time.Sleep(time.Hour)
	}
}

//go:noinline
func allocRetained() {
	retained = make([][]byte, 0, 2000)
	for i := 0; i < 2000; i++ {
		b := make([]byte, 4096)
		b[0] = byte(i)
		retained = append(retained, b)
	}
}

//go:noinline
func allocMap() {
	kept = make(map[int][]byte)
	for i := 0; i < 1000; i++ {
		b := make([]byte, 1024)
		b[0] = byte(i)
		kept[i] = b
	}
}

var stateRE = regexp.MustCompile(`(?m)^goroutine [0-9]+ \[([^\]]*)\]:\n((?:.*\n)*?)\n`)

// waitParked returns once every goroutine is blocked where the tests
// expect it. A started goroutine may not have run yet on a loaded machine,
// so poll the states rather than sleep. Goroutines of the runtime and of
// net/http (the listener) are not counted: only the ones whose stacks hold
// our functions.
func waitParked() {
	want := map[string]int{
		"chan receive main.receiver":  10,
		"select main.selector":        5,
		"sync.Mutex.Lock main.locker": 4,
		"sleep main.sleeper":          1,
	}
	fns := regexp.MustCompile(`main\.(receiver|selector|locker|sleeper)\(`)
	buf := make([]byte, 1<<20)
	deadline := time.Now().Add(time.Minute)
	for {
		n := runtime.Stack(buf, true)
		got := map[string]int{}
		for _, m := range stateRE.FindAllSubmatch(append(buf[:n:n], '\n'), -1) {
			f := fns.FindSubmatch(m[2])
			if f == nil {
				continue
			}
			got[string(m[1])+" main."+string(f[1])]++
		}
		same := len(got) == len(want)
		for k, v := range want {
			same = same && got[k] == v
		}
		if same {
			return
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "liveprog: goroutines not parked after a minute: %v\n", got)
			os.Exit(1)
		}
		time.Sleep(time.Millisecond)
	}
}

func main() {
	nohttp := flag.Bool("nohttp", false, "do not serve net/http/pprof; print \"ready\"")
	flag.Parse()

	mu.Lock() // held for ever: the lockers wait on it
	startReceivers(10)
	startSelectors(5)
	startLockers(4)
	go sleeper()
	allocRetained()
	allocMap()
	runtime.GC()
	runtime.GC()

	var ln net.Listener
	if !*nohttp {
		var err error
		ln, err = net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, "liveprog:", err)
			os.Exit(1)
		}
		go http.Serve(ln, nil)
	}
	waitParked()
	if ln != nil {
		fmt.Printf("port %d\n", ln.Addr().(*net.TCPAddr).Port)
	} else {
		fmt.Println("ready")
	}
	// Stay alive until killed or, when stdin is a pipe or socket, until it
	// is closed. Any other stdin (/dev/null, which bash gives background
	// jobs, or a terminal) does not end the program. main itself waits in a
	// chan receive in main.main; the stdin reader, when there is one, is
	// main.watchStdin.
	done := make(chan struct{})
	if fi, err := os.Stdin.Stat(); err == nil && fi.Mode()&(os.ModeNamedPipe|os.ModeSocket) != 0 {
		go watchStdin(done)
	}
	<-done
	runtime.KeepAlive(retained)
	runtime.KeepAlive(kept)
}

//go:noinline
func watchStdin(done chan struct{}) {
	io.Copy(io.Discard, os.Stdin)
	close(done)
}
