package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"math"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/digestd/digestd/subscribers"
)

// Confirmer mails a signup's confirmation link. Queue returns at once, so
// that the subscribe form answers before the mail goes, in the same time
// for any address.
type Confirmer interface {
	Queue(su subscribers.Signup)
}

// History lists the digests made for a reader.
type History interface {
	ExportDigests(ctx context.Context, subscriberID int64) ([]subscribers.ExportDigest, error)
}

// maxFormBytes bounds a form post.
const maxFormBytes = 64 << 10

// maxTracked bounds each rate limiter's memory: a few hundred kilobytes
// however many addresses a flood comes from.
const maxTracked = 10000

// Config is what the web front is built from.
type Config struct {
	Store     *subscribers.Store
	Confirmer Confirmer
	// Previewer lists the recent papers a topic catches, for the manage
	// page's preview.
	Previewer Previewer
	// Sender mails a digest when the reader asks for one on the manage page.
	Sender Sender
	// Papers finds the paper of a "more/fewer like this" link.
	Papers PaperFinder
	// Learner retrains a reader's model when their votes or library
	// change, and names what it learned, for the manage page.
	Learner Learner
	// Library fetches the papers of an uploaded library that are not
	// stored yet, in the background.
	Library LibraryFetcher
	// Archive renders a sent digest for its "view in browser" link.
	Archive Archive
	// History lists the digests made for a reader, for their data export.
	History History
	// MaxPapers is the operator's papers per digest, shown on the manage
	// page to readers who have not chosen their own number.
	MaxPapers int
	// TopicsHelp is the topic language's help page body, served at
	// /help/topics: trusted HTML, rendered from docs/TOPICS.md.
	TopicsHelp template.HTML
	Log        *slog.Logger
	// BaseURL is the public address, for absolute links; forms posted
	// from its origin pass the cross-origin check.
	BaseURL string
	// Pages holds layout.html, settings.html, preview.html, one file per
	// page, style.css and app.js.
	Pages fs.FS
	// PostBurst POSTs from one client pass at once, then one per
	// PostEvery; zero means 20 and 3s.
	PostBurst int
	PostEvery time.Duration
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client (web.trusted_proxies). None by default: a client that
	// reaches digestd directly must not choose the address its limits
	// count against.
	TrustedProxies []netip.Prefix
}

// Front is the subscriber-facing web front: subscribe, confirm, manage,
// unsubscribe. Pages work without JavaScript.
type Front struct {
	store     *subscribers.Store
	confirmer Confirmer
	previewer Previewer
	sender    Sender
	papers    PaperFinder
	learner   Learner
	library   LibraryFetcher
	archive   Archive
	history   History
	maxPapers int
	help      template.HTML
	log       *slog.Logger
	baseURL   string
	pages     map[string]*template.Template
	static    map[string]staticFile
	origins   *http.CrossOriginProtection
	proxies   []netip.Prefix
	untrusted sync.Once // warns once of a proxy web.trusted_proxies lacks
	posts     *limiter  // per client
	sends     *limiter  // per subscriber
	unsubs    *limiter  // per link
	views     *limiter  // per link
	feeds     *limiter  // per feed link
}

// New parses the page templates once, at start-up, and sets up the
// cross-origin check and the rate limits.
func New(cfg Config) (*Front, error) {
	w := &Front{store: cfg.Store, confirmer: cfg.Confirmer, previewer: cfg.Previewer, sender: cfg.Sender,
		papers: cfg.Papers, learner: cfg.Learner, library: cfg.Library, archive: cfg.Archive, history: cfg.History, maxPapers: cfg.MaxPapers, help: cfg.TopicsHelp, log: cfg.Log,
		baseURL: cfg.BaseURL, pages: map[string]*template.Template{}, static: map[string]staticFile{}, proxies: cfg.TrustedProxies}
	for _, name := range []string{"index", "message", "confirm", "manage", "vote", "unsubscribe", "preview_page", "help"} {
		t, err := template.ParseFS(cfg.Pages, "layout.html", "settings.html", "preview.html", name+".html")
		if err != nil {
			return nil, fmt.Errorf("page %s: %w", name, err)
		}
		w.pages[name] = t
	}
	frag, err := template.ParseFS(cfg.Pages, "preview.html")
	if err != nil {
		return nil, fmt.Errorf("page preview: %w", err)
	}
	w.pages["preview"] = frag
	for name, typ := range map[string]string{"style.css": "text/css", "app.js": "text/javascript"} {
		b, err := fs.ReadFile(cfg.Pages, name)
		if err != nil {
			return nil, err
		}
		w.static[name] = staticFile{typ + "; charset=utf-8", b}
	}
	w.origins = http.NewCrossOriginProtection()
	// The one-click unsubscribe may come cross-site (RFC 8058); its link
	// is its only credential, as it is for the button that sends it.
	w.origins.AddInsecureBypassPattern("POST /unsubscribe/{token}")
	// Forms on base_url's pages pass even through a proxy that rewrites
	// Host, for browsers that send Origin but not Sec-Fetch-Site.
	if u, err := url.Parse(cfg.BaseURL); err == nil && u.Host != "" {
		if err := w.origins.AddTrustedOrigin(u.Scheme + "://" + u.Host); err != nil {
			return nil, fmt.Errorf("base_url %q: %w", cfg.BaseURL, err)
		}
	}
	burst, every := cfg.PostBurst, cfg.PostEvery
	if burst <= 0 {
		burst = 20
	}
	if every <= 0 {
		every = 3 * time.Second
	}
	w.posts = newLimiter(burst, every, maxTracked)
	w.sends = newLimiter(1, sendEvery, maxTracked)
	w.unsubs = newLimiter(unsubscribeBurst, unsubscribeEvery, maxTracked)
	w.views = newLimiter(viewBurst, viewEvery, maxTracked)
	w.feeds = newLimiter(feedBurst, feedEvery, maxTracked)
	return w, nil
}

// readerHandler serves a request made with a reader's manage token.
type readerHandler func(rw http.ResponseWriter, r *http.Request, sub subscribers.Subscriber)

// reader resolves the {token} of the path to its subscriber before h runs;
// a wrong, expired or forged token gets the 404 page.
func (w *Front) reader(h readerHandler) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		sub, err := w.store.ByToken(r.Context(), r.PathValue("token"), subscribers.TokenManage)
		if err != nil {
			w.fail(rw, r, err)
			return
		}
		h(rw, r, sub)
	}
}

// Register adds the web front's routes to mux. Every POST goes through
// guard: cross-origin check, rate limit, bounded body. Forms count against
// the client's limit; the one-click unsubscribe, the preview, the feed
// and the archive against their link's, so that no client's flood refuses
// a reader.
func (w *Front) Register(mux *http.ServeMux) {
	form := func(h http.HandlerFunc) http.HandlerFunc { return w.guard(w.posts, w.client, h) }
	mux.HandleFunc("GET /{$}", w.index)
	mux.HandleFunc("POST /subscribe", form(w.subscribe))
	mux.HandleFunc("GET /confirm/{token}", w.confirmPage)
	mux.HandleFunc("POST /confirm/{token}", form(w.confirm))
	mux.HandleFunc("GET /manage/{token}", w.reader(w.manage))
	mux.HandleFunc("POST /manage/{token}", form(w.reader(w.saveManage)))
	mux.HandleFunc("GET /manage/{token}/preview", w.limit(w.views, byToken, w.reader(w.preview)))
	mux.HandleFunc("GET /manage/{token}/export", w.reader(w.export))
	mux.HandleFunc("GET /manage/{token}/more/{id...}", w.limit(w.views, byToken, w.reader(w.votePage(true))))
	mux.HandleFunc("GET /manage/{token}/fewer/{id...}", w.limit(w.views, byToken, w.reader(w.votePage(false))))
	mux.HandleFunc("POST /manage/{token}/more/{id...}", form(w.reader(w.vote(true))))
	mux.HandleFunc("POST /manage/{token}/fewer/{id...}", form(w.reader(w.vote(false))))
	mux.HandleFunc("POST /manage/{token}/undo/{id...}", form(w.reader(w.undoVote)))
	mux.HandleFunc("POST /manage/{token}/library", w.guardSized(w.posts, w.client, maxLibraryBytes, w.reader(w.importLibrary)))
	mux.HandleFunc("POST /manage/{token}/reset", form(w.reader(w.reset)))
	mux.HandleFunc("GET /manage/{token}/digest/{period}", w.limit(w.views, byToken, w.viewDigest))
	mux.HandleFunc("POST /manage/{token}/send", form(w.reader(w.sendNow)))
	mux.HandleFunc("POST /manage/{token}/feed", form(w.reader(w.newFeed)))
	mux.HandleFunc("POST /manage/{token}/rotate", form(w.reader(w.rotate)))
	mux.HandleFunc("POST /manage/{token}/delete", form(w.reader(w.deleteMe)))
	mux.HandleFunc("GET /unsubscribe/{token}", w.reader(w.unsubscribePage))
	mux.HandleFunc("POST /unsubscribe/{token}", w.guard(w.unsubs, byToken, w.unsubscribe))
	mux.HandleFunc("GET /feed/{file}", w.limit(w.feeds, byFile, w.feed))
	mux.HandleFunc("GET /static/{name}", w.serveStatic)
	mux.HandleFunc("GET /help/topics", w.topicsHelp)
}

type staticFile struct {
	contentType string
	body        []byte
}

func (w *Front) serveStatic(rw http.ResponseWriter, r *http.Request) {
	f, ok := w.static[r.PathValue("name")]
	if !ok {
		w.fail(rw, r, subscribers.ErrNotFound)
		return
	}
	rw.Header().Set("Content-Type", f.contentType)
	rw.Header().Set("Cache-Control", "public, max-age=3600")
	rw.Write(f.body)
}

// helpPage is the data of help.html.
type helpPage struct {
	Title string
	Body  template.HTML
}

// topicsHelp serves the topic language's guide, linked beside every
// topics field.
func (w *Front) topicsHelp(rw http.ResponseWriter, r *http.Request) {
	if w.help == "" {
		w.fail(rw, r, subscribers.ErrNotFound)
		return
	}
	rw.Header().Set("Cache-Control", "public, max-age=3600")
	w.render(rw, http.StatusOK, "help", helpPage{Title: "Writing topics", Body: w.help})
}

// render writes a page; a template error is logged, since the status line
// is already out. The preview fragment is the one page without the layout.
func (w *Front) render(rw http.ResponseWriter, status int, page string, data any) {
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.WriteHeader(status)
	name := "layout"
	if page == "preview" {
		name = "preview"
	}
	if err := w.pages[page].ExecuteTemplate(rw, name, data); err != nil {
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

func (w *Front) message(rw http.ResponseWriter, status int, title string, lines ...string) {
	w.render(rw, status, "message", messagePage{Title: title, Lines: lines})
}

// fail maps an error to its page: the one place errors become statuses.
func (w *Front) fail(rw http.ResponseWriter, r *http.Request, err error) {
	var (
		mbe   *http.MaxBytesError
		later interface{ RetryAfter() time.Duration } // a limit of ours, or the hourly mail cap
	)
	switch {
	case errors.Is(err, subscribers.ErrNotFound):
		w.message(rw, http.StatusNotFound, "Link not found",
			"This link is unknown or has expired. Links in a digest work for a year; a confirmation link for 48 hours.")
	case errors.As(err, &mbe):
		w.message(rw, http.StatusRequestEntityTooLarge, "Too much", "That form was larger than we accept.")
	case errors.Is(err, errCrossSite):
		w.message(rw, http.StatusForbidden, "Sent from another site",
			"This site only takes forms sent from its own pages. Open the page here, then send the form again.")
	case errors.As(err, &later):
		rw.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(later.RetryAfter().Seconds()))))
		if errors.Is(err, errTooMany) {
			w.message(rw, http.StatusTooManyRequests, "Slow down a little",
				"Many requests came from your address, or for this link, in a short time. Wait a minute, then try again.")
			return
		}
		w.message(rw, http.StatusTooManyRequests, "Sending is paused for now",
			fmt.Sprintf("This site sends only so many emails an hour, and has reached that number. Try again in %d minutes.",
				int(math.Ceil(later.RetryAfter().Minutes()))))
	case errors.Is(err, subscribers.ErrInvalid):
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
func (w *Front) NotFound(rw http.ResponseWriter, r *http.Request) {
	w.fail(rw, r, subscribers.ErrNotFound)
}
