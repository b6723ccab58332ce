package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/digestd/digestd/subscribers"
)

// Errors only the web front raises; fail maps them to 403 and 429.
var (
	errCrossSite = errors.New("form posted from another site")
	errTooMany   = errors.New("too many requests")
)

// tooMany is errTooMany with the time until the client may try again.
type tooMany struct{ wait time.Duration }

func (e tooMany) Error() string             { return errTooMany.Error() }
func (e tooMany) Is(target error) bool      { return target == errTooMany }
func (e tooMany) RetryAfter() time.Duration { return e.wait }

// contentPolicy allows nothing inline and nothing from elsewhere: the one
// script and the one stylesheet are files under /static/.
const contentPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// Secure sets the headers every response of the web front carries. No
// referrer leaves a page, since the tokens live in its URL.
func Secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		h := rw.Header()
		h.Set("Content-Security-Policy", contentPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(rw, r)
	})
}

// guard wraps a POST handler. First the request must come from this
// site's own pages (http.CrossOriginProtection: Sec-Fetch-Site, else Origin
// against Host and base_url), so a forged post costs nothing; then it
// counts against key's bucket in l; then its body must be a form of
// bounded size. Requests with neither header pass the first check, as the
// one-click unsubscribe from a mail provider's server does: they are not
// a browser tricked by another site.
func (w *Front) guard(l *limiter, key func(*http.Request) string, next http.HandlerFunc) http.HandlerFunc {
	return w.guardSized(l, key, maxFormBytes, next)
}

// guardSized is guard for a form of up to limit bytes: a library upload.
func (w *Front) guardSized(l *limiter, key func(*http.Request) string, limit int64, next http.HandlerFunc) http.HandlerFunc {
	read := func(rw http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(rw, r.Body, limit)
		if err := parseForm(r, limit); err != nil {
			w.fail(rw, r, err)
			return
		}
		next(rw, r)
	}
	limited := w.limit(l, key, read)
	return func(rw http.ResponseWriter, r *http.Request) {
		if err := w.origins.Check(r); err != nil {
			w.fail(rw, r, errCrossSite)
			return
		}
		limited(rw, r)
	}
}

// parseForm reads a posted form of up to limit bytes, url-encoded or
// multipart (a library upload; RFC 8058 allows it for a one-click
// unsubscribe), in memory. A body that cannot be read is the sender's
// mistake (400), unless it was too large (413).
func parseForm(r *http.Request, limit int64) error {
	err := r.ParseForm()
	if err == nil {
		err = r.ParseMultipartForm(limit)
	}
	if err == nil || errors.Is(err, http.ErrNotMultipart) {
		return nil
	}
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		return err
	}
	return subscribers.Invalidf("the form could not be read: %v", err)
}
