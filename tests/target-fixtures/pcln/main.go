// pcln: a small program for gmd's executable reader tests (test_gobin). It
// prints its own traceback (debug.Stack) from inside a chain of inlined
// calls, so the test can check gmd's pclntab frames against the runtime's.
// inner and middle are small enough to be inlined into outer; leaf is not.
package main

import (
	"fmt"
	"os"
	"runtime/debug"
)

var sink int

//go:noinline
func leaf(x int) int {
	os.Stdout.Write(debug.Stack())
	return x + sink
}

func inner(x int) int { return leaf(x) + 1 }

func middle(x int) int { return inner(x) * 2 }

//go:noinline
func outer(x int) int { return middle(x) + 3 }

func main() {
	sink = outer(len(os.Args))
	fmt.Println("done", sink)
}
