// lategc: a program whose first GC comes only when the test says so (the
// file named by its argument appears). gmd finds a stripped binary's
// runtime.memstats by its shape, which exists only after a GC, so a program
// gmd opens at its start (gmd run) must be searched again later.
package main

import (
	"fmt"
	"os"
	"runtime"
	"time"
)

var keep [][]byte

func main() {
	fmt.Println("ready")
	for {
		if _, err := os.Stat(os.Args[1]); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for {
		keep = append(keep, make([]byte, 1<<10))
		runtime.GC()
		time.Sleep(200 * time.Millisecond)
	}
}
