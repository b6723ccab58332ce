package digest

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCapPaper(t *testing.T) {
	long := strings.Repeat("é", 1<<20)
	p := Paper{
		Title: "a\u202eb\r\nc\x00d" + long, Abstract: long + "\xff", Org: long, Authors: []string{"x\u2066y", long},
		AIKeywords: strings.Split(strings.Repeat("k,", 100), ","), GithubRepo: long,
	}.Capped()
	tests := []struct {
		name      string
		got, want int
	}{
		{"title characters", utf8.RuneCountInString(p.Title), MaxTitle},
		{"abstract bytes", len(p.Abstract), MaxAbstract},
		{"org characters", utf8.RuneCountInString(p.Org), MaxName},
		{"second author characters", utf8.RuneCountInString(p.Authors[1]), MaxName},
		{"keywords", len(p.AIKeywords), MaxKeywords},
		{"link bytes", len(p.GithubRepo), MaxField},
	}
	for _, tt := range tests {
		if tt.got > tt.want {
			t.Errorf("%s: got %d, want at most %d", tt.name, tt.got, tt.want)
		}
	}
	if !strings.HasPrefix(p.Title, "ab cd") || !strings.HasSuffix(p.Title, "…") {
		t.Errorf("title: got %.20q…, want the controls dropped, the line break a space and the cut marked", p.Title)
	}
	if p.Authors[0] != "xy" {
		t.Errorf("author: got %q, want the bidi isolate dropped", p.Authors[0])
	}
	if !utf8.ValidString(p.Abstract) {
		t.Errorf("abstract: invalid UTF-8 after the cut")
	}
}
