// Package subscribers is who wants what: subscribers, their topics and the
// secret tokens in their links, plus the web front's handlers.
package subscribers

import (
	"errors"
	"sync"
	"time"
)

// Errors the store returns; callers map them to exit codes and HTTP statuses.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
)

// Status is where a subscriber stands.
type Status string

// The statuses a subscriber moves through.
const (
	StatusPending      Status = "pending"      // waiting for the confirmation click
	StatusActive       Status = "active"       // receives digests
	StatusPaused       Status = "paused"       // paused by the reader
	StatusUnsubscribed Status = "unsubscribed" // left; kept so they are never mailed again by accident
	StatusBounced      Status = "bounced"      // the address bounced hard
)

// Valid reports whether s is one of the statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusPending, StatusActive, StatusPaused, StatusUnsubscribed, StatusBounced:
		return true
	}
	return false
}

// Frequency is how often a subscriber gets a digest.
type Frequency string

// The delivery frequencies.
const (
	Daily  Frequency = "daily"
	Weekly Frequency = "weekly"
)

// Subscriber is one reader.
type Subscriber struct {
	ID        int64
	Email     string
	Status    Status
	Frequency Frequency
	// Weekday is the day a weekly digest goes out.
	Weekday time.Weekday
	// Hour is the local hour (0–23) the digest goes out, in Timezone.
	Hour     int
	Timezone string
	// MaxPapers caps the reader's digest, MinPapers to MaxPapers; 0 means
	// the operator's default.
	MaxPapers   int
	CreatedAt   time.Time
	ConfirmedAt time.Time
}

// Settings returns the subscriber's delivery settings.
func (s Subscriber) Settings() Settings {
	return Settings{Frequency: s.Frequency, Weekday: s.Weekday, Hour: s.Hour, Timezone: s.Timezone, MaxPapers: s.MaxPapers}
}

// Location returns the subscriber's time zone, UTC when it cannot be loaded
// (a zone removed from the system's database must not stop deliveries).
// Zones are read from the system's database once per process: a delivery
// pass asks for every reader's zone (docs/PERFORMANCE.md, item 13).
func (s Subscriber) Location() *time.Location {
	if loc, ok := locations.Load(s.Timezone); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(s.Timezone)
	if err != nil {
		loc = time.UTC
	}
	locations.Store(s.Timezone, loc)
	return loc
}

// locations caches Location's zones by name.
var locations sync.Map

// The bounds of a reader's papers per digest: fewer than MinPapers makes a
// digest hardly worth a mail, more than MaxPapers one nobody reads through.
const (
	MinPapers = 5
	MaxPapers = 50
)

// Settings are the delivery preferences a reader or operator sets.
type Settings struct {
	Frequency Frequency
	Weekday   time.Weekday
	Hour      int
	Timezone  string
	MaxPapers int
}

// DefaultSettings are a new subscriber's settings when nothing is said:
// daily at 07:00 UTC.
func DefaultSettings() Settings {
	return Settings{Frequency: Daily, Weekday: time.Monday, Hour: 7, Timezone: "UTC"}
}

// Validate checks the settings and names the first field that is wrong.
func (s Settings) Validate() error {
	switch {
	case s.Frequency != Daily && s.Frequency != Weekly:
		return Invalidf("frequency %q: want daily or weekly", s.Frequency)
	case s.Weekday < time.Sunday || s.Weekday > time.Saturday:
		return Invalidf("weekday %d: want 0 (Sunday) to 6 (Saturday)", s.Weekday)
	case s.Hour < 0 || s.Hour > 23:
		return Invalidf("hour %d: want 0 to 23", s.Hour)
	case s.MaxPapers != 0 && (s.MaxPapers < MinPapers || s.MaxPapers > MaxPapers):
		return Invalidf("max papers %d: want %d to %d, or 0 for the operator's number", s.MaxPapers, MinPapers, MaxPapers)
	}
	if s.Timezone == "" || s.Timezone == "Local" {
		return Invalidf("time zone %q: want an IANA name such as Europe/Berlin", s.Timezone)
	}
	if _, err := time.LoadLocation(s.Timezone); err != nil {
		return Invalidf("time zone %q: unknown (want an IANA name such as Europe/Berlin)", s.Timezone)
	}
	return nil
}
