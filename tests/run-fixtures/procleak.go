// procleak: a small leaking service for the process-handling tests
// (tests/cli/test_process.sh). It writes its own pid to $PIDFILE (so a test
// can tell it from the `go` tool or a shell that started it), serves
// net/http/pprof on 127.0.0.1:$PORT (0 = any free port, written to
// $PORTFILE), and keeps 16 KiB every 20 ms. It allocates little else, so
// its GC cycles are few and the ones gmd forces stand out. With FAIL=1 it
// exits with status 1 at once, like a program with a bad configuration.
package main

import (
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"strconv"
	"time"
)

var kept [][]byte

func keep() { kept = append(kept, make([]byte, 16<<10)) }

func writeFile(name, s string) {
	if name == "" {
		return
	}
	// Write then rename: a reader polling for the file never sees it half written.
	if err := os.WriteFile(name+".tmp", []byte(s), 0o644); err == nil {
		os.Rename(name+".tmp", name)
	}
}

func main() {
	if os.Getenv("FAIL") == "1" {
		fmt.Fprintln(os.Stderr, "procleak: bad configuration")
		os.Exit(1)
	}
	writeFile(os.Getenv("PIDFILE"), strconv.Itoa(os.Getpid()))
	ln, err := net.Listen("tcp", "127.0.0.1:"+os.Getenv("PORT"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "procleak:", err)
		os.Exit(1)
	}
	writeFile(os.Getenv("PORTFILE"), strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	fmt.Println("procleak: serving pprof on", ln.Addr())
	go http.Serve(ln, nil)
	for {
		keep()
		time.Sleep(20 * time.Millisecond)
	}
}
