// readevents: the baseline of gmd trace's benchmark, the least a Go program
// using golang.org/x/exp/trace does to read a trace: loop over ReadEvent and
// count the events (Sync events aside, as gmd trace count does).
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"golang.org/x/exp/trace"
)

func main() {
	f, err := os.Open(os.Args[1])
	if err != nil {
		panic(err)
	}
	r, err := trace.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		panic(err)
	}
	n := 0
	for {
		ev, err := r.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if ev.Kind() != trace.EventSync {
			n++
		}
	}
	fmt.Printf("%d events\n", n)
}
