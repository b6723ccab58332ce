package web

import (
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// The web front's limits. Forms count per client (an IPv4 address or an
// IPv6 /64); what a reader's link opens counts per link, so that a flood
// from anywhere, a mail provider's shared address included, refuses no
// other reader anything.
const (
	// One-click unsubscribe and its button, per link.
	unsubscribeBurst, unsubscribeEvery = 5, 10 * time.Second
	// Preview, "more/fewer like this" and "view in browser", per link:
	// the preview follows typing, a request at most every 300 ms.
	viewBurst, viewEvery = 30, time.Second
	// The Atom feed, per feed link; readers poll every few minutes at most.
	feedBurst, feedEvery = 5, time.Minute
)

// limiter is a token bucket per key (golang.org/x/time/rate): burst
// requests at once, then one per every. It remembers at most max keys, so
// a flood of keys cannot grow it without end.
type limiter struct {
	mu      sync.Mutex
	every   rate.Limit
	burst   int
	max     int
	buckets map[string]*rate.Limiter
	now     func() time.Time
}

func newLimiter(burst int, every time.Duration, max int) *limiter {
	return &limiter{every: rate.Every(every), burst: burst, max: max, buckets: map[string]*rate.Limiter{}, now: time.Now}
}

// allow takes a token from key's bucket; without one, it says how long
// until the next.
func (l *limiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.max {
			l.evict(now)
		}
		b = rate.NewLimiter(l.every, l.burst)
		l.buckets[key] = b
	}
	r := b.ReserveN(now, 1)
	if wait := r.DelayFrom(now); wait > 0 {
		r.CancelAt(now)
		return false, wait
	}
	return true, 0
}

// evict forgets the keys whose buckets have refilled, which a new bucket
// would equal; if every key is busy, it forgets arbitrary ones. A
// forgotten key starts again with a full bucket: eviction never refuses.
func (l *limiter) evict(now time.Time) {
	for k, b := range l.buckets {
		if b.TokensAt(now) >= float64(l.burst) {
			delete(l.buckets, k)
		}
	}
	for k := range l.buckets {
		if len(l.buckets) < l.max {
			return
		}
		delete(l.buckets, k)
	}
}

// limit answers 429 to a request whose key has emptied its bucket in l.
func (w *Front) limit(l *limiter, key func(*http.Request) string, next http.HandlerFunc) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		if ok, wait := l.allow(key(r)); !ok {
			w.fail(rw, r, tooMany{wait})
			return
		}
		next(rw, r)
	}
}

// byToken keys a limit by the link's token; byFile by the feed's.
func byToken(r *http.Request) string { return r.PathValue("token") }
func byFile(r *http.Request) string  { return r.PathValue("file") }

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
