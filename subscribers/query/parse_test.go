package query

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseQueryCanonical(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"words and phrase", `"long context" LoRA`, `"long context" lora`},
		{"group and exclusion", `(rag OR retrieval) -multimodal`, `(rag OR retrieval) -multimodal`},
		{"prefix", `Quantiz*`, `quantiz*`},
		{"phrase prefix", `"long cont"*`, `"long cont"*`},
		{"one-word phrase", `"lora"`, `lora`},
		{"hyphen is a phrase", `long-context`, `"long context"`},
		{"punctuation is a phrase", `gpt-4o`, `"gpt 4o"`},
		{"hyphen phrase prefix", `long-cont*`, `"long cont"*`},
		{"author phrase", `author:"Tri Dao"`, `author:"tri dao"`},
		{"author accent", `author:Wübben`, `author:wubben`},
		{"field case", `TITLE:Benchmark`, `title:benchmark`},
		{"abstract", `abstract:ablation`, `abstract:ablation`},
		{"org", `org:Qwen`, `org:qwen`},
		{"category", `cat:cs.CL`, `cat:cs.cl`},
		{"category hyphens", `cat:cond-mat.stat-mech`, `cat:cond-mat.stat-mech`},
		{"archive wildcard", `cat:cs.*`, `cat:cs.*`},
		{"bare archive", `cat:hep-th`, `cat:hep-th.*`},
		{"upvotes at least", `upvotes:>=10`, `upvotes:>=10`},
		{"bare upvotes", `upvotes:10`, `upvotes:>=10`},
		{"upvotes ops", `upvotes:>5 upvotes:<50 upvotes:<=9 upvotes:=007`, `upvotes:>5 upvotes:<50 upvotes:<=9 upvotes:=7`},
		{"and binds tighter than or", `a b OR c`, `a b OR c`},
		{"group under and", `a (b OR c)`, `a (b OR c)`},
		{"explicit AND", `a AND b`, `a b`},
		{"lower-case keywords are words", `a or b and not c`, `a or b and not c`},
		{"NOT", `NOT a b`, `-a b`},
		{"NOT group", `NOT(a b) c`, `-(a b) c`},
		{"exclude phrase and scope", `x -"a b" -title:c -upvotes:>3`, `x -"a b" -title:c -upvotes:>3`},
		{"double exclusion", `a --b`, `a --b`},
		{"nested groups flatten", `((a OR (b OR c)))`, `a OR b OR c`},
		{"and groups flatten", `a (b c) d`, `a b c d`},
		{"glued parens", `a(b OR c)d`, `a (b OR c) d`},
		{"glued phrases", `"a""b"`, `a b`},
		{"decomposed accent", "e\u0301cole", `ecole`},
		{"case folding", `ΜΆΘΗΣΗ µ ſ`, `μάθηση μ s`},
		{"cjk", `大規模言語モデル`, `大規模言語モデル`},
		{"spaces", "  a \t b\n", `a b`},
		{"20 levels", strings.Repeat("(", 20) + "a" + strings.Repeat(")", 20), `a`},
		{"500 characters", strings.Repeat("ab ", 166) + "ab", strings.TrimSpace(strings.Repeat("ab ", 167))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got := q.String(); got != tt.want {
				t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
			}
			if q.Text != tt.in {
				t.Errorf("Text = %q, want %q", q.Text, tt.in)
			}
		})
	}
}

func TestParseQueryTree(t *testing.T) {
	a, b, c := Term{Words: []string{"a"}}, Term{Words: []string{"b"}}, Term{Words: []string{"c"}}
	tests := []struct {
		in   string
		want Node
	}{
		{`a b OR c`, Or{Nodes: []Node{And{Nodes: []Node{a, b}}, c}}},
		{`a OR b c`, Or{Nodes: []Node{a, And{Nodes: []Node{b, c}}}}},
		{`a -b OR c`, Or{Nodes: []Node{And{Nodes: []Node{a, Not{Node: b}}}, c}}},
		{`-(a OR b) c`, And{Nodes: []Node{Not{Node: Or{Nodes: []Node{a, b}}}, c}}},
		{`long-context*`, Term{Words: []string{"long", "context"}, Prefix: true}},
		{`cat:cs.CL cat:stat.*`, And{Nodes: []Node{
			Term{Field: FieldCat, Words: []string{"cs.cl"}},
			Term{Field: FieldCat, Words: []string{"stat"}, Prefix: true}}}},
		{`upvotes:7 upvotes:<3`, And{Nodes: []Node{Upvotes{Op: ">=", N: 7}, Upvotes{Op: "<", N: 3}}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			q, err := Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(q.Root, tt.want) {
				t.Errorf("got %#v, want %#v", q.Root, tt.want)
			}
		})
	}
}

func TestParseQueryErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", ``, `query is empty`},
		{"blank", " \t\n", `query is empty`},
		{"too long", strings.Repeat("ab ", 167), `query is longer than 500 characters`},
		{"canonical too long", strings.Repeat("a(b OR c)", 55) + "a", `query is longer than 500 characters`},
		{"not utf-8", "caf\xe9", `query is not valid UTF-8`},
		{"only exclusion", `-foo`, `only exclusions at column 1, expected a word or phrase to look for`},
		{"only NOT", `NOT a`, `only exclusions at column 1, expected a word or phrase to look for`},
		{"only exclusions", `-a -"b c"`, `only exclusions at column 1, expected a word or phrase to look for`},
		{"excluding or branch", `a OR -b`, `only exclusions at column 6, expected a word or phrase to look for`},
		{"excluding branch in group", `x (-a OR b)`, `only exclusions at column 4, expected a word or phrase to look for`},
		{"lone star", `*`, `unexpected "*" at column 1, expected a word or phrase`},
		{"star after space", `a *`, `unexpected "*" at column 3, expected a word or phrase`},
		{"star inside", `a*b`, `misplaced "*" at column 2, expected "*" only at the end of a word, as in quantiz*`},
		{"punctuation only", `rag & retrieval`, `unexpected "&" at column 5, expected a word or phrase`},
		{"stray paren", `(a OR b))`, `unmatched ")" at column 9`},
		{"unclosed paren", `a (b`, `unclosed "(" at column 3, expected a ")" to match it`},
		{"empty group", `a ()`, `unexpected ")" at column 4, expected a word, phrase or group`},
		{"trailing OR", `a OR`, `unexpected end of query at column 5, expected a word, phrase or group`},
		{"leading OR", `OR a`, `unexpected "OR" at column 1, expected a word, phrase or group`},
		{"double OR", `a OR OR b`, `unexpected "OR" at column 6, expected a word, phrase or group`},
		{"trailing AND", `a AND`, `unexpected end of query at column 6, expected a word, phrase or group`},
		{"leading AND", `AND a`, `unexpected "AND" at column 1, expected a word, phrase or group`},
		{"trailing NOT", `a NOT`, `unexpected end of query at column 6, expected a word, phrase or group`},
		{"unterminated phrase", `ab "cd`, `unterminated phrase starting at column 4`},
		{"empty phrase", `a "" b`, `empty phrase at column 3, expected letters or digits between the quotes`},
		{"loose minus", `a - b`, `unexpected "-" at column 3, expected a word, phrase or group right after "-"`},
		{"minus before paren", `a -)`, `unexpected "-" at column 3, expected a word, phrase or group right after "-"`},
		{"unknown field", `foo:bar`, `unknown field "foo:" at column 1, expected one of title, abstract, author, cat, org, upvotes`},
		{"field is a prefix of a field", `tit:x`, `unknown field "tit:" at column 1, expected one of title, abstract, author, cat, org, upvotes`},
		{"url", `see https://x.org`, `unknown field "https:" at column 5, expected one of title, abstract, author, cat, org, upvotes`},
		{"space after field", `title: x`, `empty "title:" at column 1, expected a value right after the colon`},
		{"field at end", `a author:`, `empty "author:" at column 3, expected a value right after the colon`},
		{"field before group", `title:(a b)`, `unexpected "(" at column 7, expected a value after "title:"`},
		{"field before minus", `title:-a`, `unexpected "-" at column 7, expected a value after "title:"`},
		{"category phrase", `cat:"cs"`, `unexpected "\"cs\"" at column 5, expected a value after "cat:"`},
		{"category wildcard", `cat:cs.C*`, `invalid category "cs.C*" at column 5, expected an arXiv category such as cs.CL, or an archive such as cs.*`},
		{"category digit", `cat:1cs`, `invalid category "1cs" at column 5, expected an arXiv category such as cs.CL, or an archive such as cs.*`},
		{"upvotes word", `upvotes:many`, `invalid upvotes "many" at column 9, expected a count such as 10, >=10 or <5`},
		{"upvotes huge", `upvotes:>=1234567890`, `invalid upvotes ">=1234567890" at column 9, expected a count such as 10, >=10 or <5`},
		{"upvotes negative", `upvotes:-1`, `unexpected "-" at column 9, expected a value after "upvotes:"`},
		{"columns count characters", `überall (a`, `unclosed "(" at column 9, expected a ")" to match it`},
		{"21 levels", strings.Repeat("(", 21) + "a" + strings.Repeat(")", 21), `query nests too deep at column 21, expected at most 20 levels of parentheses and exclusions`},
		{"long NOT chain", "a " + strings.Repeat("NOT ", 21) + "b", `query nests too deep at column 83, expected at most 20 levels of parentheses and exclusions`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %q, want error %q", tt.in, q, tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("Parse(%q) error\n got  %s\n want %s", tt.in, got, tt.want)
			}
			var qe *Error
			if !errors.As(err, &qe) || !errors.Is(err, ErrInvalid) {
				t.Errorf("error %T is not a *Error matching ErrInvalid", err)
			}
		})
	}
}

func TestQueryTerms(t *testing.T) {
	q, err := Parse(`a -b (c OR title:d) -(e f) upvotes:>3 cat:cs.CL author:"x y"*`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, term := range q.Terms() {
		got = append(got, term.String())
	}
	want := []string{`a`, `c`, `title:d`, `cat:cs.cl`, `author:"x y"*`}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Terms() = %q, want %q", got, want)
	}
	for f, want := range map[Field][]string{
		FieldTitle:    {`a`, `c`, `title:d`},
		FieldAbstract: {`a`, `c`},
		FieldAuthor:   {`author:"x y"*`},
		FieldOrg:      nil,
	} {
		var got []string
		for _, term := range q.TermsIn(f) {
			got = append(got, term.String())
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("TermsIn(%q) = %q, want %q", f, got, want)
		}
	}
}

// FuzzParse checks that no input panics the parser and that the
// canonical form of every accepted query parses back to itself.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		`"long context" lora`, `(rag OR retrieval) -multimodal`, `quantiz*`, `author:"Tri Dao"`,
		`cat:cs.CL`, `cat:cs.*`, `org:Qwen`, `title:benchmark`, `upvotes:>=10`, `long-context`,
		`a b OR c`, `NOT (a OR -b) c`, `a --b`, `"x" OR *`, `title:"x\" OR *"`, `"a" OR 1=1 --`,
		`Wübben e` + "\u0301" + `cole`, `a(b OR c)d`, `((((a))))`, `-`, `"`, `a:b:c`, `ı İ ß µ`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Parse(s)
		if err != nil {
			var qe *Error
			if !errors.As(err, &qe) {
				t.Fatalf("Parse(%q) error %T is not a *Error", s, err)
			}
			return
		}
		canonical := q.String()
		q2, err := Parse(canonical)
		if err != nil {
			t.Fatalf("Parse(%q) = %q, which does not parse: %v", s, canonical, err)
		}
		if got := q2.String(); got != canonical {
			t.Fatalf("Parse(%q) = %q, which parses to %q", s, canonical, got)
		}
	})
}
