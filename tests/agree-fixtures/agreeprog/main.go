// agreeprog writes real-world-shaped profiles for the agreement test of gmd
// pprof against go tool pprof (tests/cli/test_pprof_agreement.sh):
//
//	agreeprog OUTDIR
//
// heap.pb.gz, allocs.pb.gz, goroutine.pb.gz, cpu.pb.gz, mutex.pb.gz,
// block.pb.gz, and the delta profiles a server sends for ?seconds=1:
// heap-delta.pb.gz, allocs-delta.pb.gz, goroutine-delta.pb.gz,
// mutex-delta.pb.gz, block-delta.pb.gz; heap-end.pb.gz after them (a
// base/new pair with heap.pb.gz). The shapes: a request pipeline of
// many functions, small helpers the compiler inlines, deep recursion
// (direct and mutual), a generic function, goroutine labels (pprof.Do and
// SetGoroutineLabels) and CPU samples under labels.
//
// Both tools read the same file, so the test never depends on what exactly
// the profiles hold; the program only makes sure each has something to show.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	_ "net/http/pprof"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"time"
)

var out string

func fail(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "agreeprog: "+format+"\n", a...)
	os.Exit(1)
}

func writeProfile(name, file string, debug int) {
	f, err := os.Create(filepath.Join(out, file))
	if err != nil {
		fail("%v", err)
	}
	if err := pprof.Lookup(name).WriteTo(f, debug); err != nil {
		fail("%s: %v", name, err)
	}
	if err := f.Close(); err != nil {
		fail("%v", err)
	}
}

var sinkMu sync.Mutex
var sink [][]byte

// keep is shared by every allocation site, so they stay live (inuse rows).
//
//go:noinline
func keep(b []byte) {
	sinkMu.Lock()
	sink = append(sink, b)
	sinkMu.Unlock()
}

// ---- a request pipeline: many functions, small helpers that get inlined.

type request struct {
	id   int
	body []byte
}

func newBuffer(n int) []byte { return make([]byte, n) } // inlined

func header(r *request) []byte { return newBuffer(64 + r.id%3*32) } // inlined, inlines newBuffer

//go:noinline
func decodeJSON(r *request) []byte {
	b := newBuffer(len(r.body) * 2)
	copy(b, r.body)
	return b
}

//go:noinline
func validate(r *request) []byte { return decodeJSON(r)[:len(r.body)] }

//go:noinline
func lookupUser(r *request) []byte { return newBuffer(256) }

//go:noinline
func authorize(r *request) []byte {
	keep(lookupUser(r))
	return header(r)
}

//go:noinline
func renderTemplate(r *request) []byte { return newBuffer(1024 + r.id%4*512) }

//go:noinline
func compress(b []byte) []byte { return newBuffer(len(b)/2 + 8) }

//go:noinline
func writeResponse(r *request) {
	keep(compress(renderTemplate(r)))
}

//go:noinline
func logRequest(r *request) { keep(header(r)) }

//go:noinline
func cacheInsert(r *request) { keep(newBuffer(4096)) }

//go:noinline
func handleGet(r *request) {
	keep(authorize(r))
	writeResponse(r)
	if r.id%5 == 0 {
		cacheInsert(r)
	}
}

//go:noinline
func handlePost(r *request) {
	keep(authorize(r))
	keep(validate(r))
	writeResponse(r)
}

//go:noinline
func middlewareMetrics(r *request) {
	if r.id%2 == 0 {
		handleGet(r)
	} else {
		handlePost(r)
	}
}

//go:noinline
func middlewareLog(r *request) {
	logRequest(r)
	middlewareMetrics(r)
}

// Names pprof's dot shortens in its own ways: a value-receiver method
// (main.Server.handle) and a closure of an exported function
// (main.Handler.func1).
type Server struct{ size int }

//go:noinline
func (s Server) handle(r *request) { keep(newBuffer(s.size)) }

//go:noinline
func Handler(r *request) {
	f := func() { keep(newBuffer(2048 + r.id%3)) }
	f()
}

//go:noinline
func serve(n int) {
	for i := 0; i < n; i++ {
		r := &request{id: i, body: make([]byte, 100+i%7*50)}
		middlewareLog(r)
		Server{size: 1536}.handle(r)
		Handler(r)
	}
}

// ---- deep stacks: direct recursion and mutual recursion.

type node struct {
	kids []*node
	data []byte
}

//go:noinline
func buildTree(depth int) *node {
	n := &node{data: newBuffer(32 + depth)}
	if depth == 0 { // large enough to be sampled always: the deepest stacks are in the profile
		n.data = newBuffer(64 << 10)
	}
	if depth > 0 {
		n.kids = append(n.kids, buildTree(depth-1))
		if depth%8 == 0 {
			n.kids = append(n.kids, buildTree(depth/4))
		}
	}
	return n
}

var trees []*node

//go:noinline
func even(n int) {
	if n == 0 {
		keep(newBuffer(512))
		return
	}
	odd(n - 1)
}

//go:noinline
func odd(n int) {
	if n == 0 {
		keep(newBuffer(768))
		return
	}
	even(n - 1)
}

// ---- a generic function (its name in profiles is main.collect[...]).

//go:noinline
func collect[T any](n int, mk func(int) T) []T {
	s := make([]T, 0, n)
	for i := 0; i < n; i++ {
		s = append(s, mk(i))
	}
	return s
}

var strs []string
var ints []int64

func allocate() {
	serve(300)
	for d := 10; d <= 70; d += 30 {
		trees = append(trees, buildTree(d))
	}
	for i := 0; i < 20; i++ {
		even(i%9 + 30)
	}
	strs = collect(2000, func(i int) string { return fmt.Sprint("item-", i) })
	ints = collect(3000, func(i int) int64 { return int64(i) }) // 24 kB slices: sampled always
	// Some garbage, so inuse and alloc differ.
	for i := 0; i < 50; i++ {
		_ = decodeJSON(&request{id: i, body: make([]byte, 200)})
	}
	runtime.GC()
}

// ---- goroutines with labels, parked in several places.

var stop = make(chan struct{})
var parked, ready sync.WaitGroup

//go:noinline
func pollQueue(ctx context.Context) { ready.Done(); <-stop }

//go:noinline
func waitLock(mu *sync.Mutex) { mu.Lock(); mu.Unlock() }

//go:noinline
func recurseThenWait(n int) {
	if n == 0 {
		ready.Done()
		<-stop
		return
	}
	recurseThenWait(n - 1)
}

var heldMu sync.Mutex

func startGoroutines() {
	heldMu.Lock() // released at stop: these waiters show in the goroutine profile
	ready.Add(6 + 3 + 4 + 5)
	for i := 0; i < 6; i++ {
		parked.Add(1)
		shard := fmt.Sprint(i % 3)
		go pprof.Do(context.Background(), pprof.Labels("role", "poller", "shard", shard), func(ctx context.Context) {
			defer parked.Done()
			pollQueue(ctx)
		})
	}
	for i := 0; i < 3; i++ {
		parked.Add(1)
		go func() {
			defer parked.Done()
			pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels("role", "locker")))
			ready.Done()
			waitLock(&heldMu)
		}()
	}
	for i := 0; i < 4; i++ {
		parked.Add(1)
		go func(d int) { defer parked.Done(); recurseThenWait(d) }(20 + i*15)
	}
	for i := 0; i < 5; i++ { // unlabeled, the same stack as the labeled pollers
		parked.Add(1)
		go func() { defer parked.Done(); pollQueue(context.Background()) }()
	}
}

// ---- CPU: labeled burners with inlined and recursive work.

func mix(x uint64) uint64 { return x*6364136223846793005 + 1442695040888963407 } // inlined

//go:noinline
func hashLoop(n int) uint64 {
	x := uint64(n)
	for i := 0; i < n; i++ {
		x = mix(x) ^ x>>17
	}
	return x
}

//go:noinline
func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

var cpuSink uint64

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		fail("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func burnCPU() {
	f, err := os.Create(filepath.Join(out, "cpu.pb.gz"))
	if err != nil {
		fail("%v", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fail("cpu profile: %v", err)
	}
	// Until this process used 300 ms of CPU (a loaded machine takes longer,
	// the profile's content is the same kind).
	start := cpuTime()
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := false
	for _, role := range []string{"hasher", "fib"} {
		wg.Add(1)
		go pprof.Do(context.Background(), pprof.Labels("burner", role), func(context.Context) {
			defer wg.Done()
			for {
				mu.Lock()
				d := done
				mu.Unlock()
				if d {
					return
				}
				var v uint64
				if role == "hasher" {
					v = hashLoop(200000)
				} else {
					v = uint64(fib(22))
				}
				mu.Lock()
				cpuSink += v
				mu.Unlock()
			}
		})
	}
	for cpuTime()-start < 300*time.Millisecond {
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	done = true
	mu.Unlock()
	wg.Wait()
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		fail("%v", err)
	}
}

// ---- contention: mutexes and channels waited on in several functions.

//go:noinline
func contendA(mu *sync.Mutex, n int) {
	for i := 0; i < n; i++ {
		mu.Lock()
		time.Sleep(50 * time.Microsecond)
		mu.Unlock()
	}
}

//go:noinline
func contendB(mu *sync.Mutex, n int) {
	for i := 0; i < n; i++ {
		mu.Lock()
		hashLoop(1000)
		mu.Unlock()
	}
}

//go:noinline
func consume(ch chan int, n int) {
	for i := 0; i < n; i++ {
		<-ch
	}
}

//go:noinline
func produceSlowly(ch chan int, n int) {
	for i := 0; i < n; i++ {
		time.Sleep(100 * time.Microsecond)
		ch <- i
	}
}

func contend() {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(2)
		go func() { defer wg.Done(); contendA(&mu, 30) }()
		go func() { defer wg.Done(); contendB(&mu, 30) }()
	}
	ch := make(chan int)
	wg.Add(2)
	go func() { defer wg.Done(); consume(ch, 40) }()
	go func() { defer wg.Done(); produceSlowly(ch, 40) }()
	wg.Wait()
}

// ---- delta profiles: fetched from net/http/pprof with ?seconds=1, all at
// once, while the program allocates, contends and starts goroutines.

var deltaStop = make(chan struct{})

//go:noinline
func arrive() { <-deltaStop }

// parkedHandlers counts the delta handlers waiting out their window (each
// took its first profile before it parked).
func parkedHandlers() int {
	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	c := 0
	for _, g := range strings.Split(string(buf[:n]), "\n\n") {
		if strings.Contains(g, "serveDeltaProfile") && strings.Contains(g, "[select") {
			c++
		}
	}
	return c
}

// fetchDeltas makes each delta hold a change of its kind (so each has rows
// to compare): the changes are made once every handler parked and are
// checked to end within the window; a starved machine gets another try.
func fetchDeltas(srv *httptest.Server) {
	names := []string{"heap", "allocs", "goroutine", "mutex", "block"}
	first := true
	for attempt := 0; attempt < 5; attempt++ {
		var wg sync.WaitGroup
		bodies := make([][]byte, len(names))
		errs := make([]error, len(names))
		start := time.Now()
		for i, name := range names {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := http.Get(srv.URL + "/debug/pprof/" + name + "?seconds=1")
				if err != nil {
					errs[i] = err
					return
				}
				defer resp.Body.Close()
				bodies[i], err = io.ReadAll(resp.Body)
				if err == nil && resp.StatusCode != 200 {
					err = fmt.Errorf("status %d: %s", resp.StatusCode, bodies[i])
				}
				errs[i] = err
			}()
		}
		for i := 0; parkedHandlers() < len(names); i++ {
			if i == 60000 { // 10 min: never a hang
				fail("timed out waiting for the delta handlers")
			}
			time.Sleep(10 * time.Millisecond)
		}
		if first { // the labeled goroutines end
			close(stop)
			heldMu.Unlock()
			parked.Wait()
			first = false
		}
		for i := 0; i < 7; i++ {
			go arrive()
		}
		sink = sink[:len(sink)/2] // half the kept objects become garbage
		allocate()
		contend()
		inTime := time.Since(start) < time.Second
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				fail("%s delta: %v", names[i], err)
			}
		}
		if !inTime {
			continue
		}
		for i, name := range names {
			if err := os.WriteFile(filepath.Join(out, name+"-delta.pb.gz"), bodies[i], 0o644); err != nil {
				fail("%v", err)
			}
		}
		close(deltaStop)
		return
	}
	fail("deltas: the machine was too slow 5 times")
}

func main() {
	if len(os.Args) != 2 {
		fail("usage: agreeprog OUTDIR")
	}
	out = os.Args[1]
	runtime.MemProfileRate = 512 // each site allocates far more than this: each has rows
	runtime.SetMutexProfileFraction(1)
	runtime.SetBlockProfileRate(1)

	allocate()
	contend()
	startGoroutines()
	burnCPU()
	ready.Wait() // each parked goroutine has its labels and is at its wait
	writeProfile("heap", "heap.pb.gz", 0)
	writeProfile("allocs", "allocs.pb.gz", 0)
	writeProfile("goroutine", "goroutine.pb.gz", 0)
	writeProfile("mutex", "mutex.pb.gz", 0)
	writeProfile("block", "block.pb.gz", 0)

	srv := httptest.NewServer(http.DefaultServeMux)
	defer srv.Close()
	fetchDeltas(srv)
	writeProfile("heap", "heap-end.pb.gz", 0)
}
