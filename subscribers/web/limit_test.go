package web

import (
	"fmt"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	l := newLimiter(3, time.Second, 100)
	l.now = func() time.Time { return now }
	var got []bool
	for range 4 {
		ok, _ := l.allow("a")
		got = append(got, ok)
	}
	if fmt.Sprint(got) != "[true true true false]" {
		t.Errorf("a burst of 4 with room for 3: got %v", got)
	}
	if _, wait := l.allow("a"); wait != time.Second {
		t.Errorf("wait after the burst: got %v, want 1s", wait)
	}
	if ok, _ := l.allow("b"); !ok {
		t.Error("another key shares a's bucket")
	}
	now = now.Add(time.Second)
	if ok, _ := l.allow("a"); !ok {
		t.Error("one second later: got refused, want one more")
	}
	if ok, _ := l.allow("a"); ok {
		t.Error("one second later: got two more, want one")
	}
}

// TestLimiterBounded floods the limiter with keys: it keeps at most its
// maximum, and once they are idle forgets them all.
func TestLimiterBounded(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	l := newLimiter(2, time.Second, 100)
	l.now = func() time.Time { return now }
	for i := range 1000 {
		l.allow(fmt.Sprint("10.0.", i/256, ".", i%256))
		if len(l.buckets) > 100 {
			t.Fatalf("after %d keys: %d buckets, want at most 100", i+1, len(l.buckets))
		}
	}
	now = now.Add(2 * time.Second) // every bucket is full again
	l.allow("new")
	if len(l.buckets) != 1 {
		t.Errorf("after the flood went idle: %d buckets, want 1", len(l.buckets))
	}
}
