package digest

import "time"

// Digest is one subscriber's digest for one period: the papers chosen for
// them, in order, with everything the templates need.
type Digest struct {
	SubscriberID int64
	To           string
	// Period names the delivery period in the subscriber's time zone:
	// "2026-11-28" for a daily digest, "2026-W48" for a weekly one.
	Period string
	Date   time.Time // when the digest was built, in the subscriber's zone
	Items  []Item
	// WindowEnd is the last paper row id the digest looked at; the next
	// digest starts after it.
	WindowEnd int64
	// ManageURL and UnsubscribeURL are absolute links carrying a secret token.
	ManageURL      string
	UnsubscribeURL string
	// ViewURL is the digest's "view in browser" page; empty in the page
	// itself.
	ViewURL string
}

// Item is one paper in a digest and why it is there.
type Item struct {
	PaperID int64 // the paper's row id
	// Paper is shared with the other digests of a pass that carry it:
	// read it, never write through it.
	Paper *Paper
	// Topics are the subscriber's queries that matched the paper; empty when
	// the subscriber has no topics and gets the day's trending papers.
	Topics []string
	// Title and Snippet are the title and a short piece of the abstract (or of
	// the AI summary) cut into spans, the matched words marked.
	Title   []Span
	Snippet []Span
	// Marks names Title and Snippet within one delivery pass: items of
	// the same paper with the same Marks have the same spans, so a pass
	// renders them once. "" when unnamed.
	Marks string
	Score float64
	// Like is the title of a paper the reader liked that this one is like,
	// when the reader's model (their votes and library) raised it above
	// where their topics alone put it; "" otherwise.
	Like string
}

// Span is a piece of text; Hit says whether a topic matched its words.
type Span struct {
	Text string
	Hit  bool
}
