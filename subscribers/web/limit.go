package web

import (
	"net/http"
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
	// the preview follows typing, a request at most every 300 ms, so a
	// reader typing without pause stays within it; a script gets no more.
	viewBurst, viewEvery = 60, 300 * time.Millisecond
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
