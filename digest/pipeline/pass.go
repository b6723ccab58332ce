package pipeline

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/match"
	"github.com/digestd/digestd/digest/rank"
	"github.com/digestd/digestd/digest/sqlite"
	"github.com/digestd/digestd/internal/recent"
	"github.com/digestd/digestd/subscribers"
	"github.com/digestd/digestd/subscribers/query"
)

// maxPassQueries bounds what a pass remembers of parsed topics: this
// many a generation (see recent), and papers: past this many it reads
// them afresh. Memory stays flat however varied the readers' topics are.
const maxPassQueries = 10_000

// passMatches is how many topics' matches a pass remembers a generation
// (see recent.Map), passHighlights how many highlighted papers: the papers
// many readers get with the same words hit. Broad topics hit a paper in
// many ways; a larger cache would hold more memory than it saves work
// (docs/PERFORMANCE.md, "Where the next limit is"). passTexts is how many
// papers' words and features it keeps.
const (
	passMatches    = 8_000
	passHighlights = 3_000
	passTexts      = 8_000
)

// passTop is how many of a topic's best matches a pass keeps: as many as
// the largest digest holds. A reader who was sent some of them already
// asks the engine again for more.
const passTop = subscribers.MaxPapers

// passCache is what one delivery pass shares between its readers: the
// recent papers, read and indexed once (corpus); each distinct topic
// matched once per window, over every reader at once, each reader's
// already-sent papers taken out afterwards; each paper highlighted once
// for each set of words its readers' topics hit. Papers can change
// between passes (upvotes, a new version), so a cache lives for one pass
// only.
//
// The pass's builders share it: two may match the same topic at once,
// which only costs a second match.
type passCache struct {
	mu          sync.Mutex
	topics      *recent.Map[string, *parsedTopic]
	matches     *recent.Map[matchKey, []digest.Match]
	highlighted *recent.Map[highlightKey, *highlighted]
	texts       *recent.Map[int64, *paperText]
	features    *recent.Map[int64, rank.Vector]
	// decoders decode the readers' models, one a builder at a time.
	decoders sync.Pool
	// papers are the papers in digests, read once a pass.
	papers map[int64]*digest.Paper
	// last is the newest paper when the pass began: every digest of a
	// pass ends there, and papers stored meanwhile go into the next ones.
	last   *lastPaper
	corpus *corpus
}

// lastPaper is the row id and arrival time of the newest stored paper.
type lastPaper struct {
	id      int64
	arrived time.Time
}

// highlightKey is one paper as the topics that matched it highlight it:
// where they mark its title (match.Marks.Key) and the excerpt of its
// abstract the snippet shows (match.Excerpt.Key).
type highlightKey struct {
	paper           int64
	title, abstract string
}

// highlighted is a paper's title and snippet, the matched words highlighted:
// the same for the items of every reader whose topics mark the paper
// alike, whichever the topics; marks names them (digest.Item.Marks).
type highlighted struct {
	title, snippet []digest.Span
	marks          string
}

// parsedTopic is a topic's query as a pass parses it once: as the reader
// wrote it, parsed, in canonical form, which names it in matches, and its
// terms that search titles and abstracts.
type parsedTopic struct {
	text                string
	q                   *query.Query
	canon               string
	inTitle, inAbstract []query.Term
}

// matchKey is one topic over one window, whoever the reader.
type matchKey struct {
	qtext                 string
	after, until, arrived int64
}

func newPassCache() *passCache {
	return &passCache{
		topics:      recent.New[string, *parsedTopic](maxPassQueries),
		matches:     recent.New[matchKey, []digest.Match](passMatches),
		papers:      map[int64]*digest.Paper{},
		highlighted: recent.New[highlightKey, *highlighted](passHighlights),
		texts:       recent.New[int64, *paperText](passTexts),
		features:    recent.New[int64, rank.Vector](passTexts),
	}
}

// highlights returns paper id's title and snippet as the topics of p mark
// them, highlighting them the first time the pass meets the marks:
// readers whose topics hit the same words of a paper share them, and so
// do those whose topics hit other words of its abstract only past the
// excerpt the snippet shows.
func (c *passCache) highlights(id int64, text *paperText, p pick) *highlighted {
	title := text.title.Marks(p.terms(func(t *parsedTopic) []query.Term { return t.inTitle }))
	excerpt := text.abstract.Excerpt(text.abstract.Marks(p.terms(func(t *parsedTopic) []query.Term { return t.inAbstract })), snippetRunes)
	key := highlightKey{id, title.Key(), excerpt.Key()}
	if m, ok := c.highlighted.Get(key); ok {
		return m
	}
	m := &highlighted{
		title:   text.title.HighlightMarks(title),
		snippet: text.abstract.SnippetOf(excerpt),
		marks:   strconv.Itoa(len(key.title)) + ":" + key.title + key.abstract,
	}
	c.highlighted.Put(key, m)
	return m
}

// paperText is a paper's title and abstract split into words once a pass.
type paperText struct {
	title, abstract *match.Text
}

// text returns the paper's title and abstract split into words, splitting
// them the first time the pass meets the paper.
func (c *passCache) text(id int64, p *digest.Paper) *paperText {
	if t, ok := c.texts.Get(id); ok {
		return t
	}
	t := &paperText{match.NewText(p.Title), match.NewText(p.Abstract)}
	c.texts.Put(id, t)
	return t
}

// vectors returns the papers' features for the readers' models, by row
// id, computing them the first time the pass meets a paper.
func (c *passCache) vectors(ctx context.Context, s *sqlite.Store, ids []int64) ([]rank.Vector, error) {
	vs := make([]rank.Vector, len(ids))
	var missing []int64
	var at []int // where each missing paper is in ids
	for i, id := range ids {
		var ok bool
		if vs[i], ok = c.features.Get(id); !ok {
			missing, at = append(missing, id), append(at, i)
		}
	}
	if len(missing) == 0 {
		return vs, nil
	}
	papers, err := c.papersByID(ctx, s, missing)
	if err != nil {
		return nil, err
	}
	for k, id := range missing {
		vs[at[k]] = rank.Featurize(*papers[k])
		c.features.Put(id, vs[at[k]])
	}
	return vs, nil
}

// lastPaper returns the newest stored paper, reading it the first time.
func (c *passCache) lastPaper(ctx context.Context, s *sqlite.Store) (lastPaper, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil {
		id, arrived, err := s.LastPaper(ctx)
		if err != nil {
			return lastPaper{}, err
		}
		c.last = &lastPaper{id, arrived}
	}
	return *c.last, nil
}

// recent returns the pass's corpus, loading it the first time: the papers
// up to the newest when the pass began.
func (c *passCache) recent(ctx context.Context, s *sqlite.Store) (*corpus, error) {
	last, err := c.lastPaper(ctx, s)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.corpus == nil {
		if c.corpus, err = loadCorpus(ctx, s, last); err != nil {
			return nil, err
		}
	}
	return c.corpus, nil
}

// parsed returns t's query parsed, parsing it the first time the pass
// meets it.
func (c *passCache) parsed(t subscribers.Topic) (*parsedTopic, error) {
	if p, ok := c.topics.Get(t.Query); ok {
		return p, nil
	}
	q, err := t.Parsed()
	if err != nil {
		return nil, err
	}
	p := &parsedTopic{text: t.Query, q: q, canon: q.String(),
		inTitle: q.TermsIn(query.FieldTitle), inAbstract: q.TermsIn(query.FieldAbstract)}
	c.topics.Put(t.Query, p)
	return p, nil
}

// match returns the best passTop papers of the corpus in w that t
// matches, for any reader: w's ExcludeSentTo and Limit are not applied.
func (c *passCache) match(corp *corpus, t *parsedTopic, w digest.Window) ([]digest.Match, error) {
	key := matchKey{t.canon, w.AfterID, w.UntilID, unix(w.ArrivedAfter)}
	if got, ok := c.matches.Get(key); ok {
		return got, nil
	}
	got, err := corp.ix.Top(t.q, filter(w), passTop)
	if err != nil {
		return nil, err
	}
	c.matches.Put(key, got)
	return got, nil
}

// papersByID returns stored papers by row id, in the order of ids,
// reading from the database only the ones this pass has not read yet. A
// paper no longer stored is the zero Paper.
func (c *passCache) papersByID(ctx context.Context, s *sqlite.Store, ids []int64) ([]*digest.Paper, error) {
	papers := make([]*digest.Paper, len(ids))
	var missing []int64
	c.mu.Lock()
	for i, id := range ids {
		if papers[i] = c.papers[id]; papers[i] == nil {
			missing = append(missing, id)
		}
	}
	c.mu.Unlock()
	if len(missing) == 0 {
		return papers, nil
	}
	read, err := s.PapersByID(ctx, missing)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.papers)+len(read) > maxPassQueries {
		clear(c.papers)
	}
	for i, id := range ids {
		if papers[i] != nil {
			continue
		}
		p, ok := read[id]
		papers[i] = &p
		if ok {
			c.papers[id] = papers[i]
		}
	}
	return papers, nil
}

// unsent keeps the first limit matches not in sent.
func unsent(matches []digest.Match, sent map[int64]bool, limit int) []digest.Match {
	if len(sent) == 0 {
		return matches[:min(len(matches), limit)]
	}
	var keep []digest.Match
	for _, m := range matches {
		if len(keep) == limit {
			break
		}
		if !sent[m.PaperID] {
			keep = append(keep, m)
		}
	}
	return keep
}
