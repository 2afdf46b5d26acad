// leaky: a small HTTP service with a memory leak, for `make demo` and for
// trying gmd. Every request is remembered in a map that is never cleared;
// a background loop plays the clients. It serves net/http/pprof on
// 127.0.0.1:$PORT (default 6060; 0 picks a free port) and prints the address.
//
//	gmd run --duration 8s --pprof http://127.0.0.1:6060 -- go run .
package main

import (
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"sync"
	"time"
)

type session struct {
	mu   sync.Mutex
	seen map[int][]byte // request id -> request body: never deleted (the leak)
}

func (s *session) remember(id int, body []byte) {
	s.mu.Lock()
	s.seen[id] = body
	s.mu.Unlock()
}

// handle does the request's work: short-lived garbage, plus the leak.
func handle(s *session, id int) {
	scratch := make([]byte, 32<<10)
	for i := range scratch {
		scratch[i] = byte(i + id)
	}
	body := make([]byte, 8<<10)
	copy(body, scratch)
	s.remember(id, body)
}

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "6060"
	}
	ln, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		fmt.Fprintln(os.Stderr, "leaky:", err)
		os.Exit(1)
	}
	fmt.Println("leaky: serving pprof on", ln.Addr())
	go http.Serve(ln, nil)

	s := &session{seen: make(map[int][]byte)}
	for id := 0; ; id++ {
		handle(s, id)
		time.Sleep(5 * time.Millisecond)
	}
}
