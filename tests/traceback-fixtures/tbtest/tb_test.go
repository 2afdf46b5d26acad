// Tests that fail the ways go test reports: a timeout (run with -timeout)
// and a panic inside a test. Only test_tracebacks.sh runs them, by name.
package tbtest

import (
	"os"
	"testing"
	"time"
)

func TestSlow(t *testing.T) {
	if os.Getenv("GMD_TRACEBACK_FIXTURE") == "" {
		t.Skip("only for test_tracebacks.sh")
	}
	time.Sleep(time.Hour)
}

func TestPanics(t *testing.T) {
	if os.Getenv("GMD_TRACEBACK_FIXTURE") == "" {
		t.Skip("only for test_tracebacks.sh")
	}
	t.Log("about to fail")
	var m map[string]int
	m["x"] = 1
}
