// slowleak: a small, slow heap leak. Every 16 ms main.recordAudit keeps a
// 1 KiB audit entry in a slice that is never trimmed (about 64 KiB/s, under
// 4 MiB a minute), while main.handle churns through short-lived buffers
// twenty times faster. At the Go default MemProfileRate (512 KiB) the leak
// gets a sample every 8 s; at 64 KiB, one a second. Serves net/http/pprof on
// 127.0.0.1:$PORT.
package main

import (
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"time"
)

var (
	audit [][]byte
	sink  []byte
)

//go:noinline
func recordAudit() {
	audit = append(audit, make([]byte, 1<<10))
}

//go:noinline
func handle() {
	for i := 0; i < 20; i++ {
		sink = make([]byte, 1<<10)
	}
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
	serve("slowleak")
	for {
		recordAudit()
		handle()
		time.Sleep(16 * time.Millisecond)
	}
}
