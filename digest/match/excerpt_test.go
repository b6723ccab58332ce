package match

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// excerptEndCounting is excerptEnd as first written: count the rest,
// then walk room-1 characters.
func excerptEndCounting(text string, from, room int) int {
	if utf8.RuneCountInString(text[from:]) <= room {
		return len(text)
	}
	to := from
	for n := 0; n < room-1; n++ {
		_, size := utf8.DecodeRuneInString(text[to:])
		to += size
	}
	return wordEndBefore(text, from, to)
}

// TestExcerptEndStopsCounting: excerptEnd, which stops counting at the
// room's end, cuts where counting the whole rest did.
func TestExcerptEndStopsCounting(t *testing.T) {
	pieces := []string{"a", "word", " ", "  ", "ü", "日本", "\xff", "\n", "x"}
	rng := rand.New(rand.NewPCG(7, 8))
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(40) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		text := b.String()
		from := 0
		if len(text) > 0 {
			from = rng.IntN(len(text) + 1)
			for from < len(text) && !utf8.RuneStart(text[from]) {
				from++
			}
		}
		room := rng.IntN(30)
		if got, want := excerptEnd(text, from, room), excerptEndCounting(text, from, room); got != want {
			t.Fatalf("excerptEnd(%q, %d, %d) = %d, counting %d", text, from, room, got, want)
		}
	}
}
