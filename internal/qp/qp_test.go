package qp

import (
	"bytes"
	"fmt"
	"io"
	"mime/quotedprintable"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkQP encodes text, whole and in pieces, and checks what a mail
// client would: every line within 76 characters, nothing but printable
// ASCII, no white space at a line's end, and decoding gives text back with
// CRLF line breaks; and what SMTP would: no line starts with a dot. It
// writes it as 7bit too (checkSevenBit).
func checkQP(t *testing.T, text string) {
	t.Helper()
	checkEncoded(t, text, AppendBody(nil, Text(text)))
	// A body of pieces cut anywhere but inside a CRLF, the second half
	// written four times, at columns that differ and then at the same.
	cut := len(text) / 2
	if cut > 0 && text[cut-1] == '\r' && text[cut] == '\n' {
		cut++
	}
	var b Body
	for _, p := range []string{text[:cut], text[cut:], "|", text[cut:], "|\n", text[cut:], "|\n", text[cut:]} {
		b.Add(p)
	}
	want := text + "|" + text[cut:] + "|\n" + text[cut:] + "|\n" + text[cut:]
	if got := b.String(); got != want {
		t.Fatalf("body of %q reads %q", want, got)
	}
	if b.Len() != len(want) {
		t.Fatalf("body of %q: Len %d, want %d", want, b.Len(), len(want))
	}
	checkEncoded(t, want, AppendBody(nil, b))
	checkSevenBit(t, text, Text(text))
	// A character's bytes go in one piece (AppendSevenBit).
	if cut == len(text) || utf8.RuneStart(text[cut]) {
		checkSevenBit(t, want, b)
	}
}

// checkSevenBit checks AppendSevenBit against sevenBitReference, with and
// without references, after what the buffer held already.
func checkSevenBit(t *testing.T, text string, b Body) {
	t.Helper()
	for _, refs := range []bool{false, true} {
		want, wantOK := sevenBitReference(text, refs)
		got, ok := AppendSevenBit([]byte("held"), b, refs)
		if ok != wantOK || string(got) != "held"+want {
			t.Fatalf("7bit (refs %v) of %q: got %q, %v; want %q, %v", refs, text, got, ok, "held"+want, wantOK)
		}
	}
}

// sevenBitReference is AppendSevenBit written plainly, a line at a time:
// the body as 7bit data, or false when a line cannot go so.
func sevenBitReference(text string, refs bool) (string, bool) {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	if strings.Contains(text, "\r") {
		return "", false
	}
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if !utf8.ValidString(line) {
			return "", false
		}
		var l strings.Builder
		for _, r := range line {
			switch {
			case r == '\t' || r >= ' ' && r <= '~':
				l.WriteRune(r)
			case refs && r >= 0xa0:
				fmt.Fprintf(&l, "&#%d;", r)
			default:
				return "", false
			}
		}
		if l.Len() > 998 || strings.HasPrefix(l.String(), ".") {
			return "", false
		}
		out = append(out, l.String())
	}
	return strings.Join(out, "\r\n"), true
}

func checkEncoded(t *testing.T, text string, enc []byte) {
	t.Helper()
	for i, line := range bytes.Split(enc, []byte("\r\n")) {
		if len(line) > lineMax {
			t.Fatalf("line %d has %d characters, want <= %d: %q", i+1, len(line), lineMax, line)
		}
		for _, c := range line {
			if c != ' ' && c != '\t' && (c < '!' || c > '~') {
				t.Fatalf("line %d holds byte %#x: %q", i+1, c, line)
			}
		}
		if n := len(line); n > 0 && (line[n-1] == ' ' || line[n-1] == '\t') {
			t.Fatalf("line %d ends in white space: %q", i+1, line)
		}
		if len(line) > 0 && line[0] == '.' {
			t.Fatalf("line %d starts with a dot: %q", i+1, line)
		}
	}
	dec, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(enc)))
	if err != nil {
		t.Fatalf("decode %q: %v", enc, err)
	}
	want := strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\n", "\r\n")
	if string(dec) != want {
		t.Fatalf("decoded %q, want %q (encoded %q)", dec, want, enc)
	}
}

func TestQuotedPrintable(t *testing.T) {
	for _, text := range []string{
		"",
		"plain ascii",
		"a = b, ünïcode · ▲ — and a tab\there",
		"trailing space \nand tab\t\r\nand at the end ",
		"a lone \r carriage return",
		strings.Repeat("x", 200),
		strings.Repeat("é", 100),
		strings.Repeat("word ", 40) + "\n" + strings.Repeat("=", 80),
		strings.Repeat("y", 74) + "é" + strings.Repeat("z", 10),
		strings.Repeat("y", 75) + " \n" + strings.Repeat("y", 76) + "\n",
		`<a href="https://digest.example.org/manage/tok/more/2410.13276" style="color:#59636e;">More like this</a>`,
		".a line that starts with a dot\n.\n..\n" + strings.Repeat("d", 75) + ".after a soft break",
		"<p>a line that does not</p>\n<p>\n.but this one does</p>",
		strings.Repeat("x", 998) + "\r\n" + strings.Repeat("é", 100) + "\n",
		strings.Repeat("x", 999),
		strings.Repeat("x", 990) + "é",
		"C1 \u0085 alone, then \u00a0 and \u009f",
		"NUL \x00",
		"DEL \x7f",
		"not UTF-8: \xff\xfe, U+FFFD as it is: \ufffd, and a tab\t",
	} {
		checkQP(t, text)
	}
}

func FuzzQuotedPrintable(f *testing.F) {
	f.Add("a = b · ünïcode \r\n trailing \t\n" + strings.Repeat("long ", 30))
	f.Fuzz(checkQP)
}

// TestRecycledBody: a body written in the room of one recycled holds its
// own pieces only, and the one recycled is empty.
func TestRecycledBody(t *testing.T) {
	var old Body
	old.Grow(3)
	for _, p := range []string{"old ", "pieces ", "here\n"} {
		old.Add(p)
	}
	old.Recycle()
	if old.String() != "" || old.Len() != 0 {
		t.Fatalf("recycled body reads %q", old.String())
	}
	for range 3 {
		var b Body
		b.Grow(2)
		b.Add("new")
		b.Add(" = body\n")
		if got := b.String(); got != "new = body\n" {
			t.Fatalf("body written after a recycled one reads %q", got)
		}
		if got := string(AppendBody(nil, b)); got != "new =3D body\r\n" {
			t.Fatalf("body written after a recycled one encodes as %q", got)
		}
		b.Recycle()
	}
}
