// gc fixture: heavy churn, no growth. A fixed 24 MiB working set allocated
// up front, then every step allocates lots of short-lived objects of mixed
// sizes (request buffers, small structs) and drops them. gmd gc must say
// "stable", with many cycles.
package main

import "fmt"

type node struct {
	next *node
	val  [6]int64
}

var working [][]byte
var sinkB []byte
var sinkN *node

func main() {
	for i := 0; i < 192; i++ {
		working = append(working, make([]byte, 128<<10))
	}
	for step := 0; step < 600; step++ {
		for i := 0; i < 256; i++ {
			sinkB = make([]byte, 1024+(i%8)*1024)
		}
		var head *node
		for i := 0; i < 4096; i++ {
			head = &node{next: head}
		}
		sinkN = head
	}
	fmt.Println("churn: done", len(working))
}
