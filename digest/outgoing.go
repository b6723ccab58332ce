package digest

import "time"

// Outgoing is a digest in the outbox: composed for its reader, stored as
// pending before the relay gets it, and recorded sent once the relay
// accepts it.
type Outgoing struct {
	ID           int64 // the outbox row; 0 until stored
	SubscriberID int64
	Recipient    string
	Period       string
	MessageID    string // as in the header, angle brackets included
	// Message is the composed RFC 5322 message; nil for a digest read
	// back from the outbox, which is composed again from its papers.
	Message  []byte
	Attempts int
	Created  time.Time
	// WindowEnd is the last paper row id the digest looked at, where the
	// reader's next digest starts; PaperIDs are the papers it holds. The
	// outbox records both when it stores the digest.
	WindowEnd int64
	PaperIDs  []int64
}
