package web

import (
	"context"
	"net/http"

	"github.com/digestd/digestd/subscribers"
)

// Archive renders a digest a reader was sent, for its "view in browser"
// link: the whole HTML page, its links carrying manageToken. ErrNotFound
// when the reader has no sent digest for period.
type Archive interface {
	DigestHTML(ctx context.Context, sub subscribers.Subscriber, period, manageToken string) ([]byte, error)
}

// digestCSP lets the mail's own inline styles apply, and nothing else: the
// page is the email, made for mail clients that take styles only inline.
const digestCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// viewDigest serves /manage/{token}/digest/{period}.
func (w *Front) viewDigest(rw http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	sub, err := w.store.ByToken(r.Context(), token, subscribers.TokenManage)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	page, err := w.archive.DigestHTML(r.Context(), sub, r.PathValue("period"), token)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	rw.Header().Set("Content-Security-Policy", digestCSP)
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.Header().Set("Cache-Control", "no-store")
	rw.Write(page)
}
