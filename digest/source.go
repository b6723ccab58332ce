package digest

import (
	"context"
	"time"
)

// Source is where papers come from: Hugging Face Daily Papers or arXiv.
type Source interface {
	// Name is the source's name in logs, errors and run history.
	Name() string
	// Fetch returns the papers of the days from..to (inclusive, UTC dates).
	// A day without papers is not an error.
	Fetch(ctx context.Context, from, to time.Time) ([]Paper, error)
}
