package web

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/digestd/digestd/subscribers/query"
)

// PaperFinder looks up a stored paper by its arXiv id, with or without
// version, for the "more like this" and "fewer like this" links of a
// digest; ErrNotFound when there is no such paper.
type PaperFinder interface {
	FindPaper(ctx context.Context, arxivID string) (FoundPaper, error)
}

// FoundPaper is the paper of a "more/fewer like this" link: what its page
// shows and what a topic proposal is built from.
type FoundPaper struct {
	ID    string
	Title string
	URL   string // its abstract page
	Meta  string // authors, organisation, date: one line
	// Keywords are Hugging Face's ai_keywords, most central first; often
	// absent.
	Keywords []string
}

// moreTerms is how many terms a "more like this" topic ANDs: two of the
// paper's keywords, or three title words, catch its theme without
// catching everything one generic keyword ("reinforcement learning") would.
const (
	moreKeywords   = 2
	moreTitleWords = 3
)

// MoreLike proposes a topic catching papers like p: its first keywords as
// phrases, else the most salient words of its title; "" when p offers
// nothing to go on.
func MoreLike(p FoundPaper) string {
	terms := keywordTerms(p.Keywords, moreKeywords)
	if len(terms) == 0 {
		terms = titleTerms(p.Title, moreTitleWords)
	}
	return strings.Join(terms, " ")
}

// FewerLike proposes the reader's topics with an exclusion of p's main
// term (its first keyword, else its most salient title word) appended to
// each: the papers a topic caught because of that term stop coming. A
// topic that already excludes it stays as it is; a topic whose top level
// is an OR is parenthesised, since the exclusion would otherwise bind to
// its last branch only. ok is false when p offers nothing to exclude.
func FewerLike(p FoundPaper, topics []string) (proposed []string, exclusion string, ok bool) {
	terms := keywordTerms(p.Keywords, 1)
	if len(terms) == 0 {
		terms = titleTerms(p.Title, 1)
	}
	if len(terms) == 0 {
		return nil, "", false
	}
	exclusion = "-" + terms[0]
	for _, t := range topics {
		if strings.Contains(t, exclusion) {
			proposed = append(proposed, t)
			continue
		}
		if q, err := query.Parse(t); err == nil {
			if _, isOr := q.Root.(query.Or); isOr {
				t = "(" + t + ")"
			}
		}
		proposed = append(proposed, t+" "+exclusion)
	}
	return proposed, exclusion, true
}

// keywordTerms turns up to n keywords into query terms: single words bare,
// several words as a quoted phrase.
func keywordTerms(keywords []string, n int) []string {
	var terms []string
	for _, k := range keywords {
		words := queryWords(k)
		if len(words) == 0 {
			continue
		}
		term := strings.ToLower(strings.Join(words, " "))
		if len(words) > 1 {
			term = `"` + term + `"`
		}
		if !slices.Contains(terms, term) {
			terms = append(terms, term)
		}
		if len(terms) == n {
			break
		}
	}
	return terms
}

// titleTerms picks the n most salient words of a title, in title order.
// Salience is length, a cheap stand-in for rarity, except that acronyms
// ("RAG", "GRPO") come first; stop words are skipped. So is the paper's own
// name before a colon ("OmniScope: ..."), which no other paper carries,
// unless nothing else is left.
func titleTerms(title string, n int) []string {
	if _, rest, ok := strings.Cut(title, ":"); ok {
		if terms := titleTerms(rest, n); len(terms) > 0 {
			return terms
		}
	}
	type word struct {
		text     string
		salience int
	}
	var words []word
	for _, f := range queryWords(title) {
		w := strings.ToLower(f)
		length := utf8.RuneCountInString(w)
		acronym := length >= 2 && f == strings.ToUpper(f) && strings.ContainsFunc(f, unicode.IsLetter)
		if (length < 4 && !acronym) || stopWords[w] || slices.ContainsFunc(words, func(x word) bool { return x.text == w }) {
			continue
		}
		if acronym {
			length += 100
		}
		words = append(words, word{w, length})
	}
	ranked := slices.Clone(words)
	slices.SortStableFunc(ranked, func(a, b word) int { return cmp.Compare(b.salience, a.salience) })
	keep := ranked[:min(n, len(ranked))]
	var terms []string
	for _, w := range words {
		if slices.Contains(keep, w) {
			terms = append(terms, w.text)
		}
	}
	return terms
}

// queryWords splits text into the words the query language reads as plain
// words: letters, digits and inner hyphens (a hyphenated word is a phrase).
// Quotes, parentheses, colons and stars, which are syntax, go; so do the
// words the language reads as operators.
func queryWords(text string) []string {
	var words []string
	for _, f := range strings.FieldsFunc(text, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-'
	}) {
		w := strings.Trim(f, "-")
		switch strings.ToLower(w) {
		case "", "or", "and", "not":
			continue
		}
		words = append(words, w)
	}
	return words
}

// stopWords are English words too common in titles to say what a paper is
// about.
var stopWords = wordSet(`about above across after against along among and are around based
	beyond both but can does down during each for from further how into its large learning less
	like made make many model models more most much novel over than that the their them then there
	these they this those through toward towards under using very via what when where which while
	who why will with within without your approach method methods paper study task tasks data new
	efficient`)

func wordSet(list string) map[string]bool {
	set := map[string]bool{}
	for _, w := range strings.Fields(list) {
		set[w] = true
	}
	return set
}
