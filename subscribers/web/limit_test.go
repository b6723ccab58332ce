package web

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	l := newLimiter(3, time.Second, 100)
	l.now = func() time.Time { return now }
	var got []bool
	for range 4 {
		got = append(got, l.allow("a"))
	}
	if fmt.Sprint(got) != "[true true true false]" {
		t.Errorf("a burst of 4 with room for 3: got %v", got)
	}
	if !l.allow("b") {
		t.Error("another address shares a's bucket")
	}
	now = now.Add(time.Second)
	if !l.allow("a") || l.allow("a") {
		t.Error("one second later: want exactly one more post")
	}
}

// TestLimiterBounded floods the limiter with addresses: it keeps at most
// its maximum, and once they are idle forgets them all.
func TestLimiterBounded(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	l := newLimiter(2, time.Second, 100)
	l.now = func() time.Time { return now }
	for i := range 1000 {
		l.allow(fmt.Sprint("10.0.", i/256, ".", i%256))
		if len(l.buckets) > 100 {
			t.Fatalf("after %d addresses: %d buckets, want at most 100", i+1, len(l.buckets))
		}
	}
	now = now.Add(2 * time.Second) // every bucket is full again
	l.allow("new")
	if len(l.buckets) != 1 {
		t.Errorf("after the flood went idle: %d buckets, want 1", len(l.buckets))
	}
}

func TestClientIP(t *testing.T) {
	tests := []struct {
		name, remote string
		fwd          []string
		want         string
	}{
		{"direct", "203.0.113.7:5000", nil, "203.0.113.7"},
		{"direct, forged header", "203.0.113.7:5000", []string{"198.51.100.1"}, "203.0.113.7"},
		{"local proxy", "127.0.0.1:5000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"local proxy, client wrote a hop", "[::1]:5000", []string{"10.0.0.1, 198.51.100.1"}, "198.51.100.1"},
		{"local proxy, two headers", "127.0.0.1:5000", []string{"10.0.0.1", "198.51.100.1"}, "198.51.100.1"},
		{"local proxy, garbage", "127.0.0.1:5000", []string{"evil"}, "127.0.0.1"},
		{"local, no proxy", "127.0.0.1:5000", nil, "127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/subscribe", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.fwd {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := clientIP(r); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}
