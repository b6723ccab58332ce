package unicode61_test

import (
	"database/sql"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"

	"github.com/digestd/digestd/internal/unicode61"
)

// fts5 is SQLite's own unicode61 tokenizer behind an FTS5 table, with an
// fts5vocab table that reads back the tokens it indexed.
type fts5 struct{ db *sql.DB }

func openFTS5(tb testing.TB) fts5 {
	tb.Helper()
	// Nothing here needs to survive a crash: no syncing, the journal in memory.
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(tb.TempDir(), "tokens.db")+"?_sync=OFF&_journal_mode=MEMORY")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE VIRTUAL TABLE t USING fts5(x, tokenize='unicode61 remove_diacritics 2');
		CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')`); err != nil {
		tb.Fatal(err)
	}
	return fts5{db}
}

// tokens returns the folded tokens FTS5 indexes for s, in order.
func (f fts5) tokens(tb testing.TB, s string) []string {
	tb.Helper()
	if _, err := f.db.Exec(`DELETE FROM t; INSERT INTO t(rowid, x) VALUES (1, ?)`, s); err != nil {
		tb.Fatal(err)
	}
	rows, err := f.db.Query(`SELECT term FROM v ORDER BY offset`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	terms := []string{}
	for rows.Next() {
		var term string
		if err := rows.Scan(&term); err != nil {
			tb.Fatal(err)
		}
		terms = append(terms, term)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return terms
}

// highlight returns the text FTS5 stores (tokens must have stored it)
// with every instance of terms between \x01 and \x02: highlight() places
// the marks at the byte offsets the tokenizer reports.
func (f fts5) highlight(tb testing.TB, terms []string) string {
	tb.Helper()
	quoted := make([]string, len(terms))
	for i, term := range terms {
		quoted[i] = `"` + strings.ReplaceAll(term, `"`, `""`) + `"`
	}
	var got string
	err := f.db.QueryRow(`SELECT highlight(t, 0, char(1), char(2)) FROM t WHERE t MATCH ?`,
		strings.Join(quoted, " OR ")).Scan(&got)
	if err != nil {
		tb.Fatalf("highlight %q: %v", terms, err)
	}
	return got
}

// compare checks Tokens(s) against FTS5: the same folded tokens in the
// same order, at the same byte offsets.
func compare(t *testing.T, f fts5, s string) {
	t.Helper()
	toks := unicode61.Tokens(s)
	got := []string{}
	for _, tok := range toks {
		got = append(got, tok.Text)
	}
	if want := f.tokens(t, s); !slices.Equal(got, want) {
		t.Fatalf("Tokens(%q): got %q, want %q", s, got, want)
	}
	// highlight() copies text with printf's %.*s, which stops at a NUL:
	// a NUL separates tokens as a space does, so the offsets are checked
	// on the text with spaces for NULs.
	if strings.Contains(s, "\x00") {
		s = strings.ReplaceAll(s, "\x00", " ")
		f.tokens(t, s)
	}
	// The offsets are checked for the tokens a query can name: those that
	// read back as themselves.
	var terms []string
	for _, tok := range toks {
		if again := unicode61.Tokens(tok.Text); len(again) == 1 && again[0].Text == tok.Text && !slices.Contains(terms, tok.Text) {
			terms = append(terms, tok.Text)
		}
	}
	if len(terms) == 0 {
		return
	}
	var want strings.Builder
	last := 0
	for _, tok := range toks {
		if slices.Contains(terms, tok.Text) {
			want.WriteString(s[last:tok.Start] + "\x01" + s[tok.Start:tok.End] + "\x02")
			last = tok.End
		}
	}
	want.WriteString(s[last:])
	if got := f.highlight(t, terms); got != want.String() {
		t.Fatalf("Tokens(%q) offsets: FTS5 marks %q, want %q", s, got, want.String())
	}
}

var tokenCases = []struct{ name, text string }{
	{"ascii", "Long-Context LoRA: 4-bit QLoRA, GPT-4o & o1_preview (v2.1)!"},
	{"empty", ""},
	{"separators only", " \t\n.,;:!?()[]{}<>\"'`~@#$%^&*-+=|\\/"},
	{"latin diacritics", "Café Wübben Ærøskøbing Łódź naïve façade Ångström Dvořák"},
	{"combining accents", "e\u0301te\u0301 a\u0308b n\u0303o \u0301x"},
	{"greek and cyrillic keep accents", "Ἀθῆναι ΣΟΦΙΑ ψυχή Ёлка Йошкар"},
	{"special folds", "ß ẞ ı İ µ ſ K Å ǅ ﬁ ﬀ"},
	{"fullwidth and circled", "ＡＢＣ１２３ ⓐⓑ Ⅻ ½ ²"},
	{"cjk and kana", "大規模言語モデル 한국어 テスト"},
	{"symbols separate", "α→β ∑x ©2026 €5 ☃snow 😀smile"},
	{"unassigned in 6.1 make tokens", "🧠brain ࡠx 𞤀y \U000E0100z"},
	{"private use", "\ue000abc \U000F0000 \U00100000"},
	{"supplementary letters", "𐐀𐐨 𝐀𝐁 𠀀"},
	{"json escapes", `["A\u003cB","x \"y\" z","C:\\path"]`},
	{"long token", strings.Repeat("é", 100) + " " + strings.Repeat("x", 300)},
	{"stray continuation bytes", "a\xaab \xb5c \x80\x9f d\xbaz"},
	{"truncated sequences", "ab\xc3 cd\xe2\x82 e\xf0\x9f"},
	{"overlong and surrogates", "a\xc0\x80b c\xed\xa0\x80d e\xef\xbf\xbef"},
	{"long continuation runs", "x\xc3\xa9\xa9\xa9y \xf7\xbf\xbf\xbf\xbfz \xff\xfe a\xfd\xbf\xbf\xbf\xbf\xbfb"},
	{"nul and controls", "a\x00b\x01c\x7fd"},
}

func TestTokensMatchFTS5(t *testing.T) {
	f := openFTS5(t)
	for _, tc := range tokenCases {
		t.Run(tc.name, func(t *testing.T) { compare(t, f, tc.text) })
	}
}

func TestTokens(t *testing.T) {
	tests := []struct {
		text string
		want []unicode61.Token
	}{
		{"Long-Context", []unicode61.Token{{"long", 0, 4}, {"context", 5, 12}}},
		{"  Wübben.", []unicode61.Token{{"wubben", 2, 9}}},
		{"e\u0301te\u0301!", []unicode61.Token{{"ete", 0, 7}}},
		{"\xaa", []unicode61.Token{{"ª", 0, 1}}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := unicode61.Tokens(tt.text); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Tokens(%q): got %+v, want %+v", tt.text, got, tt.want)
		}
	}
}

// FuzzTokens checks Tokens against SQLite's unicode61 on any bytes.
func FuzzTokens(f *testing.F) {
	for _, tc := range tokenCases {
		f.Add(tc.text)
	}
	fts := openFTS5(f)
	f.Fuzz(func(t *testing.T, s string) { compare(t, fts, s) })
}
