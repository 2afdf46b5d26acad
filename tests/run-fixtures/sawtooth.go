// sawtooth: batch jobs, no leak. Every 4 s main.runBatch builds a batch of
// 256 records of 32 KiB over about 2.5 s (8 MiB), then drops it whole: the
// heap rises and falls, the live heap after each batch is back where it
// was. Serves net/http/pprof.
package main

import (
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"time"
)

var sink []byte

//go:noinline
func newRecord() []byte { return make([]byte, 32<<10) }

//go:noinline
func runBatch() {
	batch := make([][]byte, 0, 256)
	for i := 0; i < 256; i++ {
		batch = append(batch, newRecord())
		time.Sleep(10 * time.Millisecond)
	}
	sink = batch[len(batch)-1][:1]
}

func serve(name string) {
	ln, err := net.Listen("tcp", "127.0.0.1:"+os.Getenv("PORT"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if f := os.Getenv("PORTFILE"); f != "" {
		os.WriteFile(f, []byte(fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)), 0o644)
	}
	fmt.Println(name+": serving pprof on", ln.Addr())
	go http.Serve(ln, nil)
}

func main() {
	serve("sawtooth")
	for {
		start := time.Now()
		runBatch()
		time.Sleep(4*time.Second - time.Since(start))
	}
}
