package email

import (
	"io/fs"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/templates"
)

// TestSpanWriterAgreesWithTemplates: with the shipped templates, the span
// writer writes exactly what "spans", "snippet" and "matched" do, for
// random spans and lines of every character html/template escapes,
// invalid UTF-8 and long words; with one of them edited, the templates
// run as written.
func TestSpanWriterAgreesWithTemplates(t *testing.T) {
	r, err := NewRenderer(RenderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	w := r.spans
	if w == nil {
		t.Fatal("no span writer for the shipped templates")
	}
	pieces := []string{"a", " ", "word", "\x00", `"`, "&", "'", "+", "<", ">", "ü", "\xff", "=", "\t", "&amp;",
		"{{.}}", strings.Repeat("x", 90), "é", "*", "  "}
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 2000 {
		var spans []digest.Span
		for range rng.IntN(8) {
			var text strings.Builder
			for range 1 + rng.IntN(6) {
				text.WriteString(pieces[rng.IntN(len(pieces))])
			}
			spans = append(spans, digest.Span{Text: text.String(), Hit: rng.IntN(2) == 0})
		}
		html, err := execute(r.html, "spans", spans)
		if err != nil {
			t.Fatal(err)
		}
		text, err := execute(r.text, "snippet", spans)
		if err != nil {
			t.Fatal(err)
		}
		if got := w.html(spans); got != html {
			t.Fatalf("spans %d %+v: writer %q, template %q", i, spans, got, html)
		}
		if got := w.text(spans); got != text {
			t.Fatalf("spans %d %+v: writer %q, template %q", i, spans, got, text)
		}
		var line strings.Builder
		for range rng.IntN(30) {
			line.WriteString(pieces[rng.IntN(len(pieces))])
		}
		var want [2]string
		for k, tmpl := range []executor{r.html, r.text} {
			if want[k], err = execute(tmpl, "matched", line.String()); err != nil {
				t.Fatal(err)
			}
		}
		if got := w.matchedLine(line.String()); *got != want {
			t.Fatalf("matched line %q: writer %q, templates %q", line.String(), *got, want)
		}
	}
	for _, edit := range []struct{ file, old, new string }{
		{"email/digest.html.tmpl", "strong", "em"},
		{"email/digest.html.tmpl", "matched: {{.}}", "why: {{.}}"},
		{"email/digest.txt.tmpl", `(print "matched: " .)`, `(print "why: " .)`},
		{"email/digest.txt.tmpl", `{{wrap "   " (stars .)}}`, `{{stars .}}`},
	} {
		edited, err := NewRenderer(RenderConfig{Templates: editedFS(t, edit.file, edit.old, edit.new)})
		if err != nil {
			t.Fatal(err)
		}
		if edited.spans != nil {
			t.Errorf("span writer for %s with %q made %q", edit.file, edit.old, edit.new)
		}
	}
}

// editedFS is the shipped email templates with every old in file name
// replaced by new.
func editedFS(t *testing.T, name, old, new string) fs.FS {
	t.Helper()
	files := fstest.MapFS{}
	entries, err := fs.Glob(templates.FS, "email/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range entries {
		b, err := fs.ReadFile(templates.FS, path)
		if err != nil {
			t.Fatal(err)
		}
		if path == name {
			b = []byte(strings.ReplaceAll(string(b), old, new))
		}
		files[path] = &fstest.MapFile{Data: b}
	}
	return files
}

// TestShortenCutsAsRunes: shorten cuts at the same place and writes the
// same text as cutting the string's runes, which turns bad bytes into
// U+FFFD, on random texts of spaces, multi-byte letters and bad bytes.
func TestShortenCutsAsRunes(t *testing.T) {
	byRunes := func(s string, limit int) string {
		if utf8.RuneCountInString(s) <= limit {
			return s
		}
		if limit <= 1 {
			return "…"
		}
		r := []rune(s)[:limit-1]
		if i := strings.LastIndexByte(string(r), ' '); i > len(string(r))/2 {
			return strings.TrimRight(string(r)[:i], " ") + "…"
		}
		return string(r) + "…"
	}
	pieces := []string{"a", " ", "word", "ü", "\xff", "\xe2\x80", "“", "  ", strings.Repeat("x", 30)}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		var b strings.Builder
		for range rng.IntN(30) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s, limit := b.String(), rng.IntN(120)
		if got, want := shorten(s, limit), byRunes(s, limit); got != want {
			t.Fatalf("shorten(%q, %d) = %q, want %q", s, limit, got, want)
		}
	}
}

// TestCleanSpansTakesCleanSpansAsTheyAre: spans that clean lets through
// are what squeezing them makes, and cutSpans cuts them as it cuts a copy,
// on random spans of spaces, control characters, letters and empty texts.
func TestCleanSpansTakesCleanSpansAsTheyAre(t *testing.T) {
	pieces := []string{"a", " ", "word", "\t", "ü", "\xff", "", "  ", "é", "x y"}
	rng := rand.New(rand.NewPCG(7, 8))
	passed := 0
	for i := range 20000 {
		var spans []digest.Span
		for range rng.IntN(6) {
			var text strings.Builder
			for range rng.IntN(4) {
				text.WriteString(pieces[rng.IntN(len(pieces))])
			}
			spans = append(spans, digest.Span{Text: text.String(), Hit: rng.IntN(2) == 0})
		}
		want := squeezeSpans(spans)
		got := cleanSpans(spans)
		if !slices.Equal(got, want) {
			t.Fatalf("spans %d %+v: cleanSpans %+v, squeezed %+v", i, spans, got, want)
		}
		if clean(spans) {
			passed++
		}
		limit := rng.IntN(12)
		if got, want := cutSpans(got, limit), cutSpans(slices.Clone(want), limit); !slices.Equal(got, want) {
			t.Fatalf("spans %d %+v cut at %d: %+v, copy cut %+v", i, spans, limit, got, want)
		}
	}
	if passed < 1000 {
		t.Errorf("only %d of 20000 random spans were clean: the test hardly tries the fast path", passed)
	}
}

// TestSqueezedIsExact: squeezed says a text is as squeeze leaves it
// exactly when squeezing it rune by rune changes nothing, on random texts
// of ASCII, letters and signs beyond it, white space of every kind,
// control characters, U+FFFD and bad bytes.
func TestSqueezedIsExact(t *testing.T) {
	pieces := []string{"a", " ", "  ", "word", "\t", "\n", "\x7f", "\x00", "é", "…", "—", "\u00a0", "\u0085",
		"\u2028", "\u3000", "\ufffd", "\xff", "\xe2\x80", "大", "~"}
	rng := rand.New(rand.NewPCG(9, 10))
	same := 0
	for i := range 50000 {
		var b strings.Builder
		for range rng.IntN(6) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		unchanged := squeezeRunes(s) == s
		if got := squeezed(s); got != unchanged {
			t.Fatalf("text %d %q: squeezed %v, but squeezing it rune by rune changes it: %v", i, s, got, !unchanged)
		}
		if unchanged {
			same++
		}
	}
	if same < 5000 {
		t.Errorf("only %d of 50000 random texts were unchanged: the test hardly tries squeezed's true", same)
	}
}
