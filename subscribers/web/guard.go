package web

import (
	"errors"
	"net"
	"net/http"
	"strings"

	"github.com/digestd/digestd/subscribers"
)

// Errors only the web front raises; fail maps them to 403 and 429.
var (
	errForbidden = errors.New("form token missing or wrong")
	errTooMany   = errors.New("too many requests")
)

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

// oneClick reports whether a POST is RFC 8058's one-click unsubscribe: the
// mail client sends it without cookies, so the token in the URL is its only
// credential, as it is for the button that sends the same body.
func oneClick(r *http.Request) bool {
	return r.PostFormValue("List-Unsubscribe") == "One-Click"
}

// guard wraps a POST handler: at most so many posts per client IP, a
// bounded body, and a form token matching the browser's cookie; with
// oneClickOK, a one-click unsubscribe needs no form token.
func (w *Front) guard(next http.HandlerFunc, oneClickOK bool) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		if !w.posts.allow(clientIP(r)) {
			w.fail(rw, r, errTooMany)
			return
		}
		r.Body = http.MaxBytesReader(rw, r.Body, maxFormBytes)
		if err := parseForm(r); err != nil {
			w.fail(rw, r, err)
			return
		}
		if !(oneClickOK && oneClick(r)) && !w.csrf.valid(r) {
			w.fail(rw, r, errForbidden)
			return
		}
		next(rw, r)
	}
}

// parseForm reads a posted form, url-encoded or, as RFC 8058 allows for a
// one-click unsubscribe, multipart. A body that cannot be read is the
// sender's mistake (400), unless it was too large (413).
func parseForm(r *http.Request) error {
	err := r.ParseForm()
	if err == nil {
		err = r.ParseMultipartForm(maxFormBytes)
	}
	if err == nil || errors.Is(err, http.ErrNotMultipart) {
		return nil
	}
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		return err
	}
	return subscribers.Invalidf("the form could not be read: %v", err)
}

// clientIP is the address the request came from. X-Forwarded-For is only
// believed from a peer on the same host (a reverse proxy in front of
// digestd), and only its last address, the one that proxy added: anyone
// can write the others, and a limit keyed on them limits nothing.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return host
	}
	fwd := r.Header.Values("X-Forwarded-For")
	if len(fwd) == 0 {
		return host
	}
	hops := strings.Split(fwd[len(fwd)-1], ",")
	if last := strings.TrimSpace(hops[len(hops)-1]); net.ParseIP(last) != nil {
		return last
	}
	return host
}
