// Package memlimit sets the soft memory limit digestd runs under: the Go
// collector works harder as the heap nears it, instead of letting the heap
// grow to twice what is live. A delivery pass over a year of archive holds
// ~140 MB live (its index of the recent papers, its caches); without a
// limit its peak RSS was 299 MiB, with this one 233 MiB at no cost that
// the benchmark measures (docs/PERFORMANCE.md, item 50).
package memlimit

import (
	"os"
	"runtime/debug"
)

// Default is the Go runtime's share of the 256 MiB digestd keeps to: the
// rest is for what the runtime does not count, SQLite's own memory first.
const Default = 220 << 20

// Apply sets the soft memory limit to Default unless the environment
// variable GOMEMLIMIT sets one (the runtime has read it then, "off"
// included), and returns the limit in effect, in bytes. A live heap above
// the limit is not an error: the collector then runs more often, using at
// most about half the CPU, and the heap grows past it.
func Apply() int64 {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(Default)
	}
	return debug.SetMemoryLimit(-1)
}
