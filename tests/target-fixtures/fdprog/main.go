// fdprog: a program holding a known number of open files under a known
// limit, for gmd attach's file-descriptor line (tests/cli/test_attach_fds.sh).
//
//	fdprog N LIMIT   sets its soft RLIMIT_NOFILE to LIMIT, opens /dev/null N
//	                 times, keeps every file, prints "ready" and waits forever
package main

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
)

var held []*os.File // reachable, so no finalizer closes them

func main() {
	n, _ := strconv.Atoi(os.Args[1])
	limit, _ := strconv.ParseUint(os.Args[2], 10, 64)
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		panic(err)
	}
	rl.Cur = limit
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		panic(err)
	}
	for i := 0; i < n; i++ {
		f, err := os.Open(os.DevNull)
		if err != nil {
			panic(err)
		}
		held = append(held, f)
	}
	fmt.Println("ready")
	for {
		time.Sleep(time.Hour)
	}
}
