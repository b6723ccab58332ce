package library

import (
	"errors"
	"fmt"
)

// Errors Parse returns, to be matched with errors.Is.
var (
	// ErrMalformed matches every LineError about a file that breaks its format.
	ErrMalformed = errors.New("malformed library")
	// ErrTooLarge is a library over MaxBytes or MaxEntries.
	ErrTooLarge = errors.New("library too large")
	// ErrEmpty is a library with nothing but white space.
	ErrEmpty = errors.New("library is empty")
)

// LineError is bad input at one line of a library file. Its message is
// "line 14: " and what was wrong there, what was expected.
type LineError struct {
	Line int
	Msg  string
	kind error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Unwrap gives ErrMalformed or ErrTooLarge.
func (e *LineError) Unwrap() error { return e.kind }

// malformed is a LineError matching ErrMalformed.
func malformed(line int, format string, args ...any) error {
	return &LineError{Line: line, Msg: fmt.Sprintf(format, args...), kind: ErrMalformed}
}
