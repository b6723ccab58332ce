package memlimit

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestApply: digestd runs under Default unless the operator's GOMEMLIMIT
// says otherwise.
func TestApply(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })

	t.Setenv("GOMEMLIMIT", "")
	debug.SetMemoryLimit(math.MaxInt64)
	if got := Apply(); got != Default {
		t.Errorf("without GOMEMLIMIT: limit %d, want %d", got, Default)
	}

	// The runtime read the operator's value at start; Apply keeps it.
	t.Setenv("GOMEMLIMIT", "1GiB")
	debug.SetMemoryLimit(1 << 30)
	if got := Apply(); got != 1<<30 {
		t.Errorf("with GOMEMLIMIT=1GiB: limit %d, want %d", got, 1<<30)
	}
}
