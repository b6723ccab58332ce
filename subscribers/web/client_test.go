package web

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"testing"
)

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
