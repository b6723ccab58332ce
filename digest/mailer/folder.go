package mailer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	htmpl "html/template"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// maxOutboxListed bounds the /outbox page; older files stay on disk.
const maxOutboxListed = 500

// Folder is the delivery used when no SMTP relay is configured: each
// message becomes an .eml file that any mail client opens, so a first run
// works without a mail server.
type Folder struct {
	Dir string
}

// Send writes msg to <Dir>/<UTC time>-<recipient>-<hash>.eml. The file
// appears complete or not at all (temporary file, fsync, rename), because
// the message counts as sent once Send returns.
func (o *Folder) Send(ctx context.Context, from, to string, msg []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.MkdirAll(o.Dir, 0o750); err != nil {
		return fmt.Errorf("outbox %s: %w", o.Dir, err)
	}
	sum := sha256.Sum256(msg)
	name := fmt.Sprintf("%s-%s-%s.eml", time.Now().UTC().Format("20060102T150405.000000000Z"),
		fileSafe(to), hex.EncodeToString(sum[:4]))
	tmp, err := os.CreateTemp(o.Dir, ".tmp-*.eml")
	if err != nil {
		return fmt.Errorf("outbox %s: %w", o.Dir, err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	_, err = tmp.Write(msg)
	if err == nil {
		err = tmp.Chmod(0o640)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(o.Dir, name))
	}
	if err != nil {
		return fmt.Errorf("outbox message to %s: %w", to, err)
	}
	return nil
}

// Close does nothing: files need no connection. It makes Folder a drop-in
// for SMTP.
func (o *Folder) Close() error { return nil }

// fileSafe keeps the recipient readable in a file name and harmless in a
// path and a URL: lower-case letters, digits, '.', '-' and '_' only.
func fileSafe(addr string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(addr) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		case r == '@':
			b.WriteString("_at_")
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 64 {
			break
		}
	}
	if s := strings.Trim(b.String(), "."); s != "" {
		return s
	}
	return "unknown"
}

// outboxEntry is one .eml file in the /outbox listing.
type outboxEntry struct {
	Name string
	Size int64
	Time time.Time
}

// list returns the .eml files, newest first: names start with a UTC
// timestamp, so reverse name order is time order.
func (o *Folder) list() ([]outboxEntry, error) {
	dirents, err := os.ReadDir(o.Dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("outbox %s: %w", o.Dir, err)
	}
	var out []outboxEntry
	for _, de := range slices.Backward(dirents) {
		if len(out) == maxOutboxListed {
			break
		}
		if !de.Type().IsRegular() || strings.HasPrefix(de.Name(), ".") || !strings.HasSuffix(de.Name(), ".eml") {
			continue
		}
		info, err := de.Info()
		if err != nil {
			continue // removed since ReadDir
		}
		out = append(out, outboxEntry{Name: de.Name(), Size: info.Size(), Time: info.ModTime()})
	}
	return out, nil
}

var outboxPage = htmpl.Must(htmpl.New("outbox").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Outbox</title></head>
<body style="font-family:sans-serif;margin:2em;">
<h1>Outbox</h1>
<p>No SMTP server is configured, so messages are written to files instead of being sent.</p>
{{if .}}<table cellpadding="4">
<tr><th align="left">Message</th><th align="right">Size</th><th align="left">Written (UTC)</th><th></th></tr>
{{range .}}<tr><td><a href="/outbox/{{.Name}}">{{.Name}}</a></td><td align="right">{{.Size}}</td><td>{{.Time.UTC.Format "2006-01-02 15:04:05"}}</td><td><a href="/outbox/{{.Name}}?download=1">.eml</a></td></tr>
{{end}}</table>{{else}}<p>No messages yet.</p>{{end}}
</body></html>
`))

// Handler serves the outbox: GET /outbox lists the messages, newest first,
// and GET /outbox/{name} shows one. Mount it at both "/outbox" and
// "/outbox/". A message is served as text/plain so a browser shows its
// source inline (message/rfc822 makes browsers download it), with nosniff so
// the HTML part is never rendered; ?download=1 gives message/rfc822 for a
// mail client.
//
// Every message holds a reader's address and their secret links, so only
// a client on this host's loopback that came through no proxy is answered;
// anyone else gets 404, as if there were no outbox.
func (o *Folder) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /outbox", o.serveList)
	mux.HandleFunc("GET /outbox/{$}", o.serveList)
	mux.HandleFunc("GET /outbox/{name}", o.serveMessage)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !local(r) {
			http.NotFound(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// forwardingHeaders are those a proxy adds naming the client it forwards.
var forwardingHeaders = []string{"X-Forwarded-For", "Forwarded", "X-Real-Ip"}

// local reports whether r comes from this host's loopback and carries no
// forwarding header: a reverse proxy on the same host connects from
// loopback too, on behalf of anyone.
func local(r *http.Request) bool {
	for _, h := range forwardingHeaders {
		if _, ok := r.Header[h]; ok {
			return false
		}
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	return err == nil && ap.Addr().Unmap().IsLoopback()
}

func (o *Folder) serveList(w http.ResponseWriter, r *http.Request) {
	entries, err := o.list()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = outboxPage.Execute(w, entries) // a failed write means the client left
}

// serveMessage only serves names that the listing itself would show, read
// through an os.Root, so no request can reach outside Dir.
func (o *Folder) serveMessage(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if strings.ContainsAny(name, `/\`) || strings.Contains(name, "..") {
		http.NotFound(w, r)
		return
	}
	entries, err := o.list()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if !slices.ContainsFunc(entries, func(e outboxEntry) bool { return e.Name == name }) {
		http.NotFound(w, r)
		return
	}
	root, err := os.OpenRoot(o.Dir)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer root.Close()
	f, err := root.Open(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if r.URL.Query().Get("download") != "" {
		w.Header().Set("Content-Type", "message/rfc822")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	} else {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	http.ServeContent(w, r, "", info.ModTime(), f)
}
