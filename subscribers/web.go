package subscribers

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"
)

// Confirmer sends the double opt-in email with a fresh confirmation link.
type Confirmer interface {
	SendConfirmation(ctx context.Context, sub Subscriber) error
}

// confirmEvery is how often one address may be sent a confirmation mail,
// however often the form is posted.
const confirmEvery = 10 * time.Minute

// maxFormBytes bounds a form post.
const maxFormBytes = 64 << 10

// Web is the subscriber-facing web front: subscribe, confirm, manage,
// unsubscribe. Pages work without JavaScript.
type Web struct {
	store     *Store
	confirmer Confirmer
	log       *slog.Logger
	baseURL   string
	pages     map[string]*template.Template
	css       []byte
}

// NewWeb parses the page templates in pages (layout.html, settings.html, style.css
// and one file per page) once, at start-up.
func NewWeb(store *Store, confirmer Confirmer, log *slog.Logger, baseURL string, pages fs.FS) (*Web, error) {
	w := &Web{store: store, confirmer: confirmer, log: log, baseURL: baseURL, pages: map[string]*template.Template{}}
	for _, name := range []string{"index", "message", "manage", "unsubscribe"} {
		t, err := template.ParseFS(pages, "layout.html", "settings.html", name+".html")
		if err != nil {
			return nil, fmt.Errorf("page %s: %w", name, err)
		}
		w.pages[name] = t
	}
	css, err := fs.ReadFile(pages, "style.css")
	if err != nil {
		return nil, err
	}
	w.css = css
	return w, nil
}

// Register adds the web front's routes to mux.
func (w *Web) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", w.index)
	mux.HandleFunc("POST /subscribe", w.subscribe)
	mux.HandleFunc("GET /confirm/{token}", w.confirm)
	mux.HandleFunc("GET /manage/{token}", w.manage)
	mux.HandleFunc("POST /manage/{token}", w.saveManage)
	mux.HandleFunc("GET /unsubscribe/{token}", w.unsubscribePage)
	mux.HandleFunc("POST /unsubscribe/{token}", w.unsubscribe)
	mux.HandleFunc("GET /static/style.css", w.style)
}

func (w *Web) style(rw http.ResponseWriter, _ *http.Request) {
	rw.Header().Set("Content-Type", "text/css; charset=utf-8")
	rw.Header().Set("Cache-Control", "public, max-age=3600")
	rw.Write(w.css)
}

// render writes a page; a template error is logged, since the status line
// is already out.
func (w *Web) render(rw http.ResponseWriter, status int, page string, data any) {
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.Header().Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self'")
	rw.Header().Set("X-Content-Type-Options", "nosniff")
	rw.Header().Set("Referrer-Policy", "no-referrer")
	rw.WriteHeader(status)
	if err := w.pages[page].ExecuteTemplate(rw, "layout", data); err != nil {
		w.log.Error("render page", "page", page, "error", err)
	}
}

// messagePage is the data of message.html.
type messagePage struct {
	Title string
	Lines []string
	Link  *pageLink
}

type pageLink struct{ URL, Text string }

func (w *Web) message(rw http.ResponseWriter, status int, title string, lines ...string) {
	w.render(rw, status, "message", messagePage{Title: title, Lines: lines})
}

// fail maps an error to its page: the one place errors become statuses.
func (w *Web) fail(rw http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	switch {
	case errors.Is(err, ErrNotFound):
		w.message(rw, http.StatusNotFound, "Link not found",
			"This link is unknown or has expired. Links in a digest work for a year; a confirmation link for 48 hours.")
	case errors.As(err, &mbe):
		w.message(rw, http.StatusRequestEntityTooLarge, "Too much", "That form was larger than we accept.")
	case errors.Is(err, ErrInvalid):
		w.message(rw, http.StatusBadRequest, "Something is not right", err.Error())
	default:
		w.log.Error("web request failed", "method", r.Method, "path", routePattern(r), "error", err)
		w.message(rw, http.StatusInternalServerError, "Something went wrong",
			"Please try again in a moment.")
	}
}

// routePattern names the route without the token, so logs never hold one.
func routePattern(r *http.Request) string {
	if r.Pattern != "" {
		return r.Pattern
	}
	return "(no route)"
}

// NotFound is the friendly 404 page for paths no route serves.
func (w *Web) NotFound(rw http.ResponseWriter, r *http.Request) {
	w.fail(rw, r, ErrNotFound)
}
