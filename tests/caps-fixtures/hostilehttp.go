// hostilehttp: an HTTP server that misbehaves on purpose, for
// tests/cli/test_hostile_http.sh. It listens on 127.0.0.1 (a free port),
// writes "PORT\n" to the file named by its first argument, and serves the
// file named by its second argument (a real heap profile) in hostile ways.
package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func main() {
	profile, err := os.ReadFile(os.Args[2])
	if err != nil {
		panic(err)
	}
	// 64 MiB of zeros compress ~1000:1, four times past gmd's 256x cap.
	bomb := gz(make([]byte, 64<<20))
	// A port nothing listens on: the target of the cross-host redirect.
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	deadPort := dead.Addr().(*net.TCPAddr).Port
	dead.Close()

	mux := http.NewServeMux()
	mux.HandleFunc("/bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(bomb)
	})
	mux.HandleFunc("/encoded", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(gz(profile))
	})
	mux.HandleFunc("/brotli", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "br")
		w.Write(profile)
	})
	mux.HandleFunc("/profile", func(w http.ResponseWriter, r *http.Request) {
		w.Write(profile)
	})
	mux.HandleFunc("/same-host", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/profile", http.StatusFound)
	})
	mux.HandleFunc("/other-host", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, fmt.Sprintf("http://127.0.0.1:%d/profile", deadPort), http.StatusFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	mux.HandleFunc("/big-header", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Big", strings.Repeat("a", 1<<20))
		w.Write(profile)
	})
	mux.HandleFunc("/many-headers", func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 20000; i++ {
			w.Header().Set(fmt.Sprintf("X-H%d", i), strings.Repeat("b", 40))
		}
		w.Write(profile)
	})
	mux.HandleFunc("/trickle", func(w http.ResponseWriter, r *http.Request) {
		f := w.(http.Flusher)
		for i := 0; ; i++ {
			if _, err := w.Write(profile[i%len(profile) : i%len(profile)+1]); err != nil {
				return
			}
			f.Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
	mux.HandleFunc("/debug/pprof/heap", func(w http.ResponseWriter, r *http.Request) {
		w.Write(profile)
	})
	// A heap profile where a goroutine profile is expected.
	mux.HandleFunc("/debug/pprof/goroutine", func(w http.ResponseWriter, r *http.Request) {
		w.Write(profile)
	})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	port := fmt.Sprintf("%d\n", ln.Addr().(*net.TCPAddr).Port)
	if err := os.WriteFile(os.Args[1]+".tmp", []byte(port), 0o644); err != nil {
		panic(err)
	}
	os.Rename(os.Args[1]+".tmp", os.Args[1])
	http.Serve(ln, mux)
}
