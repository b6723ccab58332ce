package match_test

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/match"
	"github.com/digestd/digestd/subscribers/query"
)

// choices reads a fuzz input as a stream of decisions; past its end the
// decisions come from a generator seeded with the whole input, so that
// every input makes a full set of papers and a full query.
type choices struct {
	data  []byte
	rest  *rand.Rand
	terms int // left for the query: eight keep it under query.Parse's 500 characters
	// used holds the words the papers were written with: the query
	// draws half its words from them, so that it matches often.
	used map[*[]string][]string
}

// word picks a word of vocabulary, half the time one the papers use.
func (c *choices) word(vocabulary *[]string) string {
	if used := c.used[vocabulary]; len(used) > 0 && c.next(2) == 0 {
		return c.pick(used)
	}
	return c.pick(*vocabulary)
}

// use picks a word of vocabulary for a paper.
func (c *choices) use(vocabulary *[]string) string {
	w := c.pick(*vocabulary)
	c.used[vocabulary] = append(c.used[vocabulary], w)
	return w
}

func newChoices(data []byte) *choices {
	h := fnv.New64a()
	h.Write(data)
	return &choices{data: data, rest: rand.New(rand.NewPCG(h.Sum64(), uint64(len(data)))), terms: 8,
		used: map[*[]string][]string{}}
}

func (c *choices) next(n int) int {
	if n <= 1 {
		return 0
	}
	if len(c.data) == 0 {
		return c.rest.IntN(n)
	}
	v := int(c.data[0]) % n
	c.data = c.data[1:]
	return v
}

func (c *choices) pick(options []string) string { return options[c.next(len(options))] }

// The generator's words: text words that share tokens and prefixes, in
// several scripts and foldings; categories of several archives.
var (
	textWords = []string{"attention", "sparse", "long", "context", "model", "models", "modeling", "lora",
		"agent", "agents", "retrieval", "rag", "vision", "language", "café", "naïve", "ΣΟΦΙΑ",
		"e\u0301te\u0301", "gpt", "4o", "x", "a", "the", "graph", "straße", "ﬁne", "Ångström"}
	orgWords   = []string{"meta", "ai", "qwen", "deepseek", "google", "research", "lab"}
	categories = []string{"cs.CL", "cs.LG", "cs.AI", "CS.cv", "stat.ML", "math.CO", "cond-mat.stat-mech", "cs-x.y", "q-bio.NC"}
	// authorWords all begin with different letters, and a paper's names
	// use each at most once: no two tokens of its authors share a first
	// letter, so no two instances of a name (whose first word is a word
	// or an initial) can overlap. Where instances overlap across two
	// names, FTS5's highlight() merges them and sqlite.Matcher misses a
	// name that one author does hold (TestNameWithinOneAuthor). For the
	// same reason no name holds "&", "<" or ">": json.Marshal escapes
	// them as \u0026..., a token that highlight() cannot mark.
	authorWords = []string{"ana", "bo", "chen", "dao", "eva", "fei", "gil", "hu", "ivan", "jun", "kim", "lei", "mia",
		"núñez", "olga", "pál", "quinn", "ruiz", "sara", "tri", "ugo", "vera", "wübben", "xu", "yan", "zoë"}
)

// genPapers makes one to eight papers.
func genPapers(c *choices) []digest.Paper {
	papers := make([]digest.Paper, 1+c.next(8))
	for i := range papers {
		p := &papers[i]
		p.ID = fmt.Sprintf("2607.%05d", i+1)
		p.Source = "huggingface"
		p.Title = genText(c, 1+c.next(6))
		p.Abstract = genText(c, c.next(13))
		free := append([]string(nil), authorWords...)
		for range c.next(4) {
			var name []string
			for range 1 + c.next(3) {
				if len(free) == 0 {
					break
				}
				j := c.next(len(free))
				w := capitalize(free[j])
				c.used[&authorWords] = append(c.used[&authorWords], free[j])
				free = append(free[:j], free[j+1:]...)
				if c.next(4) == 0 {
					r, _ := utf8.DecodeRuneInString(w)
					w = string(r) + "."
				}
				name = append(name, w)
			}
			if len(name) > 0 {
				p.Authors = append(p.Authors, strings.Join(name, " "))
			}
		}
		if c.next(2) == 0 {
			p.Org = capitalize(c.use(&orgWords))
			if c.next(2) == 0 {
				p.Org += " " + capitalize(c.use(&orgWords))
			}
		}
		for range c.next(4) {
			p.Categories = append(p.Categories, c.use(&categories))
		}
		p.Upvotes = []int{0, 0, 1, 3, 7, 12, 40, 120}[c.next(8)]
		p.PublishedAt = time.Date(2026, 7, 1+c.next(3), 0, 0, 0, 0, time.UTC)
	}
	return papers
}

func genText(c *choices, words int) string {
	var b strings.Builder
	for i := range words {
		if i > 0 {
			b.WriteString(c.pick([]string{" ", " ", " ", "-", ": ", ", "}))
		}
		w := c.use(&textWords)
		if c.next(3) == 0 {
			w = capitalize(w)
		}
		b.WriteString(w)
	}
	return b.String()
}

func capitalize(w string) string {
	r, size := utf8.DecodeRuneInString(w)
	return string(unicode.ToUpper(r)) + w[size:]
}

// genQuery writes a query ParseQuery accepts: OR-ed groups, each with a
// term to look for, beside exclusions, nested groups and every kind of term.
func genQuery(c *choices, depth int) string {
	branches := make([]string, 1+c.next(3))
	for i := range branches {
		if i > 0 && c.terms <= 0 {
			branches = branches[:i]
			break
		}
		parts := []string{genPositive(c, depth)}
		for range []int{0, 0, 1, 2}[c.next(4)] {
			if c.terms <= 0 {
				break
			}
			if c.next(3) == 0 {
				parts = append(parts, genNegative(c, depth))
			} else {
				parts = append(parts, genPositive(c, depth))
			}
		}
		if c.next(2) == 0 {
			parts[0], parts[len(parts)-1] = parts[len(parts)-1], parts[0]
		}
		branches[i] = strings.Join(parts, []string{" ", " AND "}[c.next(2)])
	}
	return strings.Join(branches, " OR ")
}

func genPositive(c *choices, depth int) string {
	if depth < 3 && c.terms > 1 && c.next(6) == 0 {
		return "(" + genQuery(c, depth+1) + ")"
	}
	return genTerm(c)
}

func genNegative(c *choices, depth int) string {
	inner := genTerm(c)
	if depth < 3 && c.terms > 1 && c.next(3) == 0 {
		inner = "(" + genQuery(c, depth+1) + ")"
	}
	return []string{"-", "NOT "}[c.next(2)] + inner
}

func genTerm(c *choices) string {
	c.terms--
	word := func() string {
		w := c.word(&textWords)
		if n := utf8.RuneCountInString(w); n > 1 && c.next(4) == 0 {
			return string([]rune(w)[:1+c.next(n-1)]) + "*"
		}
		return w
	}
	phrase := func() string {
		words := []string{c.word(&textWords), c.word(&textWords)}
		if c.next(2) == 0 {
			words = append(words, c.word(&textWords))
		}
		p := `"` + strings.Join(words, " ") + `"`
		if c.next(4) == 0 {
			p += "*"
		}
		return p
	}
	switch c.next(12) {
	case 0, 1, 2:
		return word()
	case 3:
		return phrase()
	case 4:
		return c.word(&textWords) + "-" + c.word(&textWords)
	case 5:
		return c.pick([]string{"title:", "abstract:"}) + []func() string{word, phrase}[c.next(2)]()
	case 6:
		return "org:" + c.word(&orgWords)
	case 7:
		return "author:" + c.word(&authorWords)
	case 8:
		var name []string
		for range 2 + c.next(2) {
			w := c.word(&authorWords)
			if c.next(3) == 0 {
				w = w[:1] + "."
			}
			name = append(name, w)
		}
		n := `author:"` + strings.Join(name, " ") + `"`
		if c.next(4) == 0 {
			n += "*"
		}
		return n
	case 9:
		cat := c.word(&categories)
		archive, _, _ := strings.Cut(cat, ".")
		return "cat:" + []string{cat, archive, archive + ".*"}[c.next(3)]
	case 10:
		return "upvotes:" + c.pick([]string{">=", ">", "<", "<=", "=", ""}) + c.pick([]string{"0", "1", "5", "12", "100"})
	}
	return c.word(&textWords) + " " + c.word(&textWords)
}

// FuzzMatchAgainstFTS stores a few generated papers and compares the
// engine with sqlite.Matcher on a generated query: the same papers in the
// same order, scores equal within 1e-9 relative. One database serves every
// input of a worker, its papers replaced each time.
func FuzzMatchAgainstFTS(f *testing.F) {
	for _, seed := range []string{
		"", "\x07\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c",
		"\x03\x05attention sparse long-context \x08\x08author:\"dao t\"",
		"\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4\xf3\xf2\xf1\xf0\xef\xee\xed\xec\xeb\xea\xe9\xe8",
	} {
		f.Add([]byte(seed))
	}
	e := newFTSEnv(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		c := newChoices(data)
		if _, err := e.db.Exec(`DELETE FROM papers`); err != nil {
			t.Fatal(err)
		}
		papers := genPapers(c)
		e.save(t, papers)
		docs := e.docs(t)
		ix, err := match.NewIndex(docs)
		if err != nil {
			t.Fatal(err)
		}
		qtext := genQuery(c, 0)
		q, err := query.Parse(qtext)
		if err != nil {
			t.Fatalf("generated query %q: %v", qtext, err)
		}
		filter := match.Filter{}
		if c.next(3) == 0 {
			filter.AfterID = docs[c.next(len(docs))].ID - 1
			if c.next(2) == 0 {
				filter.UntilID = filter.AfterID + 1 + int64(c.next(len(docs)))
			}
		}
		if d := e.diff(t, ix, q, filter); d != "" {
			t.Fatalf("%s over %+v: %s", qtext, papers, d)
		}
	})
}
