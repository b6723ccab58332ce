package web

import (
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/netip"
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

func TestClient(t *testing.T) {
	local := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}
	chain := append([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, local...)
	tests := []struct {
		name    string
		trusted []netip.Prefix
		remote  string
		fwd     []string
		want    string
	}{
		{"direct", nil, "203.0.113.7:5000", nil, "203.0.113.7"},
		{"direct, forged header", local, "203.0.113.7:5000", []string{"198.51.100.1"}, "203.0.113.7"},
		{"local proxy not trusted", nil, "127.0.0.1:5000", []string{"198.51.100.1"}, "127.0.0.1"},
		{"local proxy trusted", local, "127.0.0.1:5000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"client wrote a hop", local, "[::1]:5000", []string{"10.9.9.9, 198.51.100.1"}, "198.51.100.1"},
		{"two headers", local, "127.0.0.1:5000", []string{"10.9.9.9", "198.51.100.1"}, "198.51.100.1"},
		{"two trusted proxies", chain, "127.0.0.1:5000", []string{"6.6.6.6, 198.51.100.1, 10.1.2.3"}, "198.51.100.1"},
		{"garbage hop", local, "127.0.0.1:5000", []string{"evil"}, "127.0.0.1"},
		{"trusted, no header", local, "127.0.0.1:5000", nil, "127.0.0.1"},
		{"IPv6 by its /64", nil, "[2001:db8:1:2:aaaa::1]:5000", nil, "2001:db8:1:2::/64"},
		{"IPv6 neighbour in the /64", nil, "[2001:db8:1:2:ffff::9]:5000", nil, "2001:db8:1:2::/64"},
		{"IPv6 forwarded", local, "127.0.0.1:5000", []string{"2001:db8:1:2:3:4:5:6"}, "2001:db8:1:2::/64"},
		{"IPv4-mapped IPv6", nil, "[::ffff:203.0.113.7]:5000", nil, "203.0.113.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &Front{proxies: tt.trusted, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
			r := httptest.NewRequest("POST", "/subscribe", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.fwd {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := w.client(r); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}
