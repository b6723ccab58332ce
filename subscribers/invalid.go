package subscribers

import (
	"fmt"
	"strings"
	"time"

	"github.com/digestd/digestd/subscribers/query"
)

// ErrInvalid matches (with errors.Is) every error about a value a user typed:
// an address, a setting, a CSV row, a topic query. Such errors are the
// user's to fix.
var ErrInvalid = query.ErrInvalid

// invalidError is an error about user input; its message stays as written.
type invalidError struct{ msg string }

func (e invalidError) Error() string        { return e.msg }
func (e invalidError) Is(target error) bool { return target == ErrInvalid }

// Invalidf is an error about a value a user typed, matching ErrInvalid; its
// message is the one given.
func Invalidf(format string, args ...any) error {
	return invalidError{fmt.Sprintf(format, args...)}
}

// ParseWeekday reads a weekday as a name ("monday", "Mon") or a number
// (0 = Sunday … 6 = Saturday).
func ParseWeekday(s string) (time.Weekday, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := strings.ToLower(d.String())
		if s == name || s == name[:3] || s == fmt.Sprint(int(d)) {
			return d, nil
		}
	}
	return 0, Invalidf("weekday %q: want a day name such as monday, or 0 (Sunday) to 6", s)
}
