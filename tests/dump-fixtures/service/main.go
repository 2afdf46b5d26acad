// A service-like program for gmd dump's type and root tests. Usage: service
// DIR. It builds known structures, writes DIR/heap.dump and prints facts the
// test checks, one "key value" per line:
//   - registry: a pointer global initialised with a static composite literal
//     (the struct lives in an unnamed .data/.bss block) holding a map of
//     sessions, each with strings, a slice of structs, a map and an interface;
//   - shapes: a slice of interfaces; handlers: a slice of closures;
//   - words: strings sharing one backing array; queue: a buffered channel;
//   - tokens: a sync.Map of *Token; 20 goroutines block sending a Token their
//     closure captured by value (nothing typed points at the closures then);
//   - main.first is the first symbol of .data (declared first) and points
//     to the heap, main.router the first of .bss: roots at a segment's very
//     start are named (the test checks that they are still first).
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"unsafe"
)

type Event struct {
	At   int64
	Kind string
	Note *string
}

type User struct {
	Name  string
	Email string
}

type Handler interface{ Handle(string) int }

type echo struct{ prefix string }

func (e *echo) Handle(s string) int { return len(e.prefix) + len(s) }

type counter struct{ n, m int64 }

func (c counter) Handle(s string) int { return int(c.n) + len(s) }

type Session struct {
	ID      string
	User    *User
	Data    []byte
	Events  []Event
	Attrs   map[string]string
	Handler Handler
	Extra   any
}

type SessionRegistry struct {
	name     string
	sessions map[string]*Session
	count    int
}

// Router stands for a framework object above the accumulating map.
type Router struct {
	routes map[string]Handler
	reg    *SessionRegistry
}

type Shape interface{ Area() float64 }

type Rect struct{ W, H float64 }

func (r Rect) Area() float64 { return r.W * r.H }

type Circle struct {
	R     float64
	Label string
}

func (c *Circle) Area() float64 { return 3 * c.R * c.R }

type Token struct {
	ID     int
	Secret string
}

// first starts as a static literal in .data; build points it to the heap.
var first = &User{Name: "static"}

var registry = &SessionRegistry{name: "sessions"}

var (
	router   *Router
	shapes   []Shape
	handlers []func() int
	words    []string
	queue    chan *Event
	lookup   = map[int]*User{}
	tokens   sync.Map
)

const nSessions = 2000

func build() {
	registry.sessions = make(map[string]*Session)
	for i := 0; i < nSessions; i++ {
		id := fmt.Sprintf("session-%05d", i)
		note := fmt.Sprintf("note %d", i)
		s := &Session{
			ID:     id,
			User:   &User{Name: fmt.Sprintf("user%d", i), Email: fmt.Sprintf("user%d@example.com", i)},
			Data:   make([]byte, 256+i%7),
			Events: make([]Event, 4),
			Attrs:  map[string]string{"ip": fmt.Sprintf("10.0.%d.%d", i/256, i%256), "agent": "test"},
		}
		for k := range s.Events {
			s.Events[k] = Event{At: int64(i*10 + k), Kind: fmt.Sprintf("kind%d", k), Note: &note}
		}
		if i%2 == 0 {
			s.Handler = &echo{prefix: id}
			s.Extra = &User{Name: "extra"}
		} else {
			s.Handler = counter{n: int64(i), m: 1}
			s.Extra = []int{i, i + 1, i + 2}
		}
		registry.sessions[id] = s
		registry.count++
	}
	router = &Router{routes: map[string]Handler{"/echo": &echo{prefix: ">"}}, reg: registry}
	for i := 0; i < 300; i++ {
		if i%3 == 0 {
			shapes = append(shapes, Rect{W: float64(i), H: 2})
		} else {
			shapes = append(shapes, &Circle{R: float64(i), Label: fmt.Sprintf("circle %d", i)})
		}
	}
	for i := 0; i < 50; i++ {
		k := i
		handlers = append(handlers, func() int { return k * 2 })
	}
	first = &User{Name: "first", Email: fmt.Sprint("first@", len(shapes))}
	text := strings.Repeat("alpha beta gamma delta ", 200)
	words = strings.Fields(text)
	queue = make(chan *Event, 64)
	for i := 0; i < 40; i++ {
		queue <- &Event{At: int64(i), Kind: "queued"}
	}
	for i := 0; i < 100; i++ {
		lookup[i] = &User{Name: fmt.Sprintf("lookup%d", i)}
	}
	for i := 0; i < 100; i++ {
		tokens.Store(i, &Token{ID: i, Secret: fmt.Sprintf("secret%d", i)})
	}
	parked := make(chan Token) // never read
	for i := 0; i < 20; i++ {
		t := Token{ID: i, Secret: fmt.Sprintf("parked%d", i)}
		go func() { parked <- t }()
	}
}

func main() {
	runtime.MemProfileRate = 1
	build()
	dir := os.Args[1]
	f, err := os.Create(filepath.Join(dir, "heap.dump"))
	if err != nil {
		panic(err)
	}
	runtime.GC()
	debug.WriteHeapDump(f.Fd())
	f.Close()
	var some *Session
	for _, s := range registry.sessions {
		some = s
		break
	}
	fmt.Printf("registry %p\n", registry)
	fmt.Printf("session %p\n", some)
	fmt.Printf("user %p\n", some.User)
	fmt.Printf("events %p\n", &some.Events[0])
	fmt.Printf("shapes %p\n", &shapes[0])
	fmt.Printf("router %p\n", router)
	fmt.Printf("queue %p\n", queue)
	// words share text's backing array: its first and last word's bytes
	fmt.Printf("word0 %p\n", unsafe.StringData(words[0]))
	fmt.Printf("wordN %p\n", unsafe.StringData(words[len(words)-1]))
	fmt.Printf("nwords %d\n", len(words))
	fmt.Printf("first %p\n", first)
	runtime.KeepAlive(handlers)
}
