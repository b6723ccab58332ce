package web

import (
	"net/http"
	"net/netip"
	"strings"
)

// client is the key a form post counts against: the client's address,
// an IPv6 one by its /64, since one host gets a whole /64 and may send
// from any address in it. X-Forwarded-For is believed only from a peer in
// web.trusted_proxies: anyone else can write any address there, and a
// limit keyed on it limits nothing.
func (w *Front) client(r *http.Request) string {
	ip := peer(r)
	if w.trusted(ip) {
		ip = w.forwardedFor(r, ip)
	} else if ip.IsLoopback() && r.Header.Get("X-Forwarded-For") != "" {
		w.untrusted.Do(func() {
			w.log.Warn("requests come through a proxy that web.trusted_proxies does not list: all its clients share one rate limit",
				"proxy", ip.String())
		})
	}
	if ip.Is4() {
		return ip.String()
	}
	p, _ := ip.Prefix(64)
	return p.String()
}

// peer is the address of the connection's other end.
func peer(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

func (w *Front) trusted(ip netip.Addr) bool {
	for _, p := range w.proxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// forwardedFor walks X-Forwarded-For from the right, the hop the trusted
// peer added first, past the trusted proxies, to the first address none of
// them is: the client. A hop that is not an address ends the walk at the
// last one that was.
func (w *Front) forwardedFor(r *http.Request, ip netip.Addr) netip.Addr {
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return ip
		}
		if ip = hop.Unmap(); !w.trusted(ip) {
			return ip
		}
	}
	return ip
}
