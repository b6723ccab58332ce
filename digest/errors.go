package digest

import "errors"

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// ErrDigestExists means the subscriber already has a digest for the period.
var ErrDigestExists = errors.New("digest for this period exists")

// ErrPapersTaken means a digest of the reader's stored since this one was
// built holds some of its papers: two passes built for the reader at once
// (`serve`'s, for the period whose hour has come, and `run --now`, for
// today's), and the other stored first.
var ErrPapersTaken = errors.New("another digest took some of its papers")
