package digest

import "time"

// Run kinds, as recorded in the runs table.
const (
	RunFetch   = "fetch"
	RunDeliver = "deliver"
)

// FetchObserver is told what each source brought in a fetch; the metrics
// implement it. The Fetcher calls it once per source and fetch.
type FetchObserver interface {
	// Fetched reports that source returned papers papers, or failed with err.
	Fetched(source string, papers int, err error)
}

// DeliveryObserver is told about each message the delivery engine hands to
// the relay, for what only the engine sees: how long the relay took, and
// digests that bounced or expired in the outbox. The metrics implement it.
type DeliveryObserver interface {
	// MessageSent reports a message the relay accepted after elapsed.
	MessageSent(elapsed time.Duration)
	// DigestBounced reports a digest the relay refused for good.
	DigestBounced()
	// DigestExpired reports a pending digest dropped as too old to send.
	DigestExpired()
}

// Run is one recorded fetch or delivery pass.
type Run struct {
	ID         int64
	Kind       string // "fetch" or "deliver"
	StartedAt  time.Time
	FinishedAt time.Time // zero while running, or when the process died mid-run
	Fetched    int       // papers new or changed (fetch)
	Built      int       // digests built and stored (deliver)
	Sent       int
	Failed     int
	// MaybeDelivered counts the digests whose final dot the relay did not
	// answer (deliver): it may have them.
	MaybeDelivered int
	Error          string // the first error, if any
}
