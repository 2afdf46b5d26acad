// traceref: the reference reader for gmd trace's agreement test. It reads a
// trace with golang.org/x/exp/trace (Go's own parser) and prints, as JSON,
// what gmd trace must agree with: goroutines created/ended/alive per
// creation site, GC cycles and pauses, time blocked by reason, in syscalls
// and runnable (as go tool trace -pprof measures it), user annotations.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/exp/trace"
)

type site struct {
	StartFunction string `json:"start_function"`
	CreatedBy     string `json:"created_by"`
	Created       int    `json:"created"`
	Ended         int    `json:"ended"`
	AliveAtEnd    int    `json:"alive_at_end"`
}

type out struct {
	Events     int              `json:"events"` // not counting Sync events
	Sites      []*site          `json:"sites"`
	GCCycles   int              `json:"gc_cycles"`
	STW        int              `json:"stw_pauses"`
	BlockNs    map[string]int64 `json:"block_ns"` // waiting, by the reason it began with
	SyscallNs  int64            `json:"syscall_ns"`
	RunnableNs int64            `json:"runnable_ns"`
	Tasks      int              `json:"tasks"`
	Regions    int              `json:"regions"`
	Logs       int              `json:"logs"`
	CPUSamples int              `json:"cpu_samples"`
}

// A stretch of time a goroutine spends in one state, measured the way
// go tool trace -pprof measures it: from the transition into the state to
// the next transition into another one; transitions that keep the state
// (the status events at generation boundaries) do not end it, stretches
// still open at the end of the trace do not count, and neither do those that
// began before the goroutine first ran (go tool trace clips them to the
// goroutine's [first start, end]).
type stretch struct {
	on     bool
	counts bool
	start  trace.Time
	reason string
}

type gstate struct {
	site                    *site
	ran                     bool
	wait, syscall, runnable stretch
}

func top(s trace.Stack) string {
	for f := range s.Frames() {
		return f.Func
	}
	return ""
}

// track updates one stretch for a transition to state `to` at time t and
// returns the finished stretch's length, or -1.
func track(s *stretch, ran bool, state, to trace.GoState, t trace.Time, reason string) (string, int64) {
	if !s.on {
		if to == state {
			*s = stretch{on: true, counts: ran, start: t, reason: reason}
		}
		return "", -1
	}
	if to == state {
		return "", -1
	}
	s.on = false
	if !s.counts {
		return "", -1
	}
	return s.reason, int64(t.Sub(s.start))
}

func main() {
	f, err := os.Open(os.Args[1])
	if err != nil {
		panic(err)
	}
	r, err := trace.NewReader(f)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	o := out{BlockNs: map[string]int64{}, Sites: []*site{}}
	sites := map[[2]string]*site{}
	gs := map[trace.GoID]*gstate{}
	for {
		ev, err := r.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if ev.Kind() == trace.EventSync {
			continue
		}
		o.Events++
		switch ev.Kind() {
		case trace.EventRangeBegin:
			if strings.HasPrefix(ev.Range().Name, "GC concurrent mark") {
				o.GCCycles++
			}
			if strings.HasPrefix(ev.Range().Name, "stop-the-world") {
				o.STW++
			}
		case trace.EventTaskBegin:
			o.Tasks++
		case trace.EventRegionBegin:
			o.Regions++
		case trace.EventLog:
			o.Logs++
		case trace.EventStackSample:
			o.CPUSamples++
		case trace.EventStateTransition:
			st := ev.StateTransition()
			if st.Resource.Kind != trace.ResourceGoroutine {
				continue
			}
			id := st.Resource.Goroutine()
			from, to := st.Goroutine()
			g := gs[id]
			if from == trace.GoNotExist && to != trace.GoNotExist {
				k := [2]string{top(st.Stack), top(ev.Stack())}
				s := sites[k]
				if s == nil {
					s = &site{StartFunction: k[0], CreatedBy: k[1]}
					sites[k] = s
					o.Sites = append(o.Sites, s)
				}
				s.Created++
				s.AliveAtEnd++
				g = &gstate{site: s}
				gs[id] = g
			}
			if g == nil {
				g = &gstate{}
				gs[id] = g
			}
			t := ev.Time()
			if reason, d := track(&g.wait, g.ran, trace.GoWaiting, to, t, st.Reason); d > 0 && reason != "" {
				o.BlockNs[reason] += d
			}
			if _, d := track(&g.syscall, g.ran, trace.GoSyscall, to, t, ""); d > 0 {
				o.SyscallNs += d
			}
			if _, d := track(&g.runnable, g.ran, trace.GoRunnable, to, t, ""); d > 0 {
				o.RunnableNs += d
			}
			if to == trace.GoRunning {
				g.ran = true
			}
			if to == trace.GoNotExist {
				if g.site != nil {
					g.site.Ended++
					g.site.AliveAtEnd--
				}
				delete(gs, id)
			}
		}
	}
	e := json.NewEncoder(os.Stdout)
	e.SetIndent("", " ")
	e.Encode(o)
}
