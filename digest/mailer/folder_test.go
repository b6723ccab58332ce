package mailer

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestOutboxDirSend(t *testing.T) {
	o := &Folder{Dir: filepath.Join(t.TempDir(), "outbox")}
	msgs := []string{"Subject: one\r\n\r\nfirst\r\n", "Subject: two\r\n\r\nsecond\r\n"}
	for _, m := range msgs {
		if err := o.Send(context.Background(), "bounce@example.org", "Reader+Tag@Example.org", []byte(m)); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	files, err := os.ReadDir(o.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(msgs) {
		t.Fatalf("got %d files, want %d (no temporary files left)", len(files), len(msgs))
	}
	name := regexp.MustCompile(`^\d{8}T\d{6}\.\d{9}Z-reader_tag_at_example\.org-[0-9a-f]{8}\.eml$`)
	for i, f := range files {
		if !name.MatchString(f.Name()) {
			t.Errorf("got file name %q, want <UTC time>-<recipient>-<hash>.eml", f.Name())
		}
		info, _ := f.Info()
		if perm := info.Mode().Perm(); perm != 0o640 {
			t.Errorf("%s: got mode %o, want 640", f.Name(), perm)
		}
		if b, _ := os.ReadFile(filepath.Join(o.Dir, f.Name())); string(b) != msgs[i] {
			t.Errorf("%s: got %q, want %q", f.Name(), b, msgs[i])
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := o.Send(ctx, "a@example.org", "b@example.org", []byte("x")); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Send: got %v, want context.Canceled", err)
	}
}

// get asks h for path as a browser on this host would: from loopback,
// through no proxy.
func get(t *testing.T, h http.Handler, path string) (*http.Response, string) {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.RemoteAddr = "127.0.0.1:40000"
	return serve(h, r)
}

func serve(h http.Handler, r *http.Request) (*http.Response, string) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Result(), string(body)
}

// TestOutboxOnlyForLocalClients: the messages hold readers' secret links;
// a client elsewhere, or one a proxy forwards, gets 404 as if there were
// no outbox.
func TestOutboxOnlyForLocalClients(t *testing.T) {
	o := &Folder{Dir: t.TempDir()}
	if err := o.Send(context.Background(), "a@example.org", "ann@example.org", []byte("Subject: x\r\n\r\n/manage/secret\r\n")); err != nil {
		t.Fatal(err)
	}
	h := o.Handler()
	tests := []struct {
		name, remote string
		header       http.Header
		want         int
	}{
		{"loopback", "127.0.0.1:40000", nil, 200},
		{"loopback IPv6", "[::1]:40000", nil, 200},
		{"another host", "203.0.113.9:40000", nil, 404},
		{"the host's LAN address", "192.168.1.20:40000", nil, 404},
		{"IPv4-mapped other host", "[::ffff:203.0.113.9]:40000", nil, 404},
		{"proxied, X-Forwarded-For", "127.0.0.1:40000", http.Header{"X-Forwarded-For": {"203.0.113.9"}}, 404},
		{"proxied, Forwarded", "127.0.0.1:40000", http.Header{"Forwarded": {"for=203.0.113.9"}}, 404},
		{"proxied, X-Real-IP", "[::1]:40000", http.Header{"X-Real-Ip": {"203.0.113.9"}}, 404},
		{"proxied, empty X-Forwarded-For", "127.0.0.1:40000", http.Header{"X-Forwarded-For": {""}}, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"/outbox", "/outbox/"} {
				r := httptest.NewRequest(http.MethodGet, path, nil)
				r.RemoteAddr, r.Header = tt.remote, tt.header
				if r.Header == nil {
					r.Header = http.Header{}
				}
				resp, body := serve(h, r)
				if resp.StatusCode != tt.want {
					t.Errorf("GET %s: got %d, want %d", path, resp.StatusCode, tt.want)
				}
				if tt.want == 404 && strings.Contains(body, "ann") {
					t.Errorf("GET %s: the refusal names a recipient:\n%s", path, body)
				}
			}
		})
	}
}

func TestOutboxDirHandler(t *testing.T) {
	dir := t.TempDir()
	o := &Folder{Dir: dir}
	h := o.Handler()
	if resp, body := get(t, h, "/outbox"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "No messages yet") {
		t.Errorf("empty outbox: got %d %q", resp.StatusCode, body)
	}
	for _, to := range []string{"first@example.org", "second@example.org"} {
		if err := o.Send(context.Background(), "a@example.org", to, []byte("Subject: <b>hi</b>\r\n\r\n<script>x</script>\r\n")); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "zz-link.eml")); err != nil {
		t.Fatal(err)
	}

	resp, body := get(t, h, "/outbox/")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("list: got %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	names := regexp.MustCompile(`href="/outbox/([^"?]+)"`).FindAllStringSubmatch(body, -1)
	if len(names) != 2 || !strings.Contains(names[0][1], "second") || !strings.Contains(names[1][1], "first") {
		t.Fatalf("got listed %v, want the two messages, newest first", names)
	}

	resp, body = get(t, h, "/outbox/"+names[0][1])
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(body, "<script>x</script>") {
		t.Errorf("message: got %d %v %q", resp.StatusCode, resp.Header, body)
	}
	if resp, _ := get(t, h, "/outbox/"+names[0][1]+"?download=1"); resp.Header.Get("Content-Type") != "message/rfc822" {
		t.Errorf("download: got content type %q, want message/rfc822", resp.Header.Get("Content-Type"))
	}

	for _, path := range []string{
		"/outbox/notes.txt", "/outbox/zz-link.eml", "/outbox/..%2f..%2fetc%2fpasswd",
		"/outbox/%2e%2e", "/outbox/..%5cx.eml", "/outbox/missing.eml", "/outbox/" + names[0][1] + "%2f..",
	} {
		if resp, body := get(t, h, path); resp.StatusCode != http.StatusNotFound || strings.Contains(body, "secret") || strings.Contains(body, "root:") {
			t.Errorf("%s: got %d %q, want 404", path, resp.StatusCode, body)
		}
	}
}
