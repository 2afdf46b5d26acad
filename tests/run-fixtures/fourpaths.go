// fourpaths: one leak reached from four call paths. main.remember keeps a
// 4 KiB copy of every request in a global slice; four handlers call it at
// different rates (40, 30, 20 and 10 per second: about 400 KiB/s in all).
// One cause: the verdict should name main.remember once, with four paths.
// Serves net/http/pprof.
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
	kept [][]byte
	sink []byte
)

//go:noinline
func remember(req []byte) {
	c := make([]byte, 4<<10)
	copy(c, req)
	kept = append(kept, c)
}

//go:noinline
func handleLogin(req []byte) { remember(req) }

//go:noinline
func handleSearch(req []byte) { remember(req) }

//go:noinline
func handleUpload(req []byte) { remember(req) }

//go:noinline
func handleStatus(req []byte) { remember(req) }

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
	serve("fourpaths")
	req := make([]byte, 64)
	for tick := 0; ; tick++ {
		// Per 100 ms: 4 logins, 3 searches, 2 uploads, 1 status.
		switch tick % 10 {
		case 0, 1, 2, 3:
			handleLogin(req)
		case 4, 5, 6:
			handleSearch(req)
		case 7, 8:
			handleUpload(req)
		default:
			handleStatus(req)
		}
		for i := 0; i < 8; i++ {
			sink = make([]byte, 2<<10)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
