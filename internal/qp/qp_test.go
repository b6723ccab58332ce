package qp

import (
	"bytes"
	"io"
	"mime/quotedprintable"
	"strings"
	"testing"
)

// checkQP encodes text, whole and in pieces, and checks what a mail
// client would: every line within 76 characters, nothing but printable
// ASCII, no white space at a line's end, and decoding gives text back with
// CRLF line breaks; and what SMTP would: no line starts with a dot.
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
	} {
		checkQP(t, text)
	}
}

func FuzzQuotedPrintable(f *testing.F) {
	f.Add("a = b · ünïcode \r\n trailing \t\n" + strings.Repeat("long ", 30))
	f.Fuzz(checkQP)
}
