// Package library reads a reader's library — a BibTeX, RIS or Zotero CSV
// export, or a list of arXiv ids, arXiv links and DOIs one per line — into
// the papers it names. The papers become positive examples for the reader's
// ranking; storing them and fetching unknown ids is the caller's work.
package library

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/digestd/digestd/internal/arxivid"
)

// Limits against abuse; a real library is far below both.
const (
	// MaxBytes is the largest library Parse reads: 5 MiB.
	MaxBytes = 5 << 20
	// MaxEntries is the most entries (papers, skipped and duplicate entries
	// alike) Parse reads from one library.
	MaxEntries = 5000
)

// Ref is one paper a library names.
type Ref struct {
	// ArxivID is the versionless arXiv id: "2410.13276", "hep-th/0601001".
	// arXiv's own DOIs (10.48550/arXiv.…) land here, not in DOI.
	ArxivID string
	// DOI is the paper's DOI in lower case (DOIs ignore case).
	DOI string
	// Title is the entry's title as plain text (BibTeX's LaTeX undone);
	// empty for a list's lines.
	Title string
	// Line is where the entry starts in the file, counting from 1.
	Line int
}

// File is what Parse read from one library file.
type File struct {
	// Format is the format Parse recognised.
	Format Format
	// Refs holds one Ref per paper, each with an arXiv id or a DOI or both, in
	// file order. An entry naming a paper an earlier entry named (by arXiv id
	// or DOI) is folded into the earlier one: it keeps its line and gains
	// the ids and title it lacked.
	Refs []Ref
	// Skipped holds the entries that named neither an arXiv id nor a DOI
	// (books, talks, papers cited by title only), with their line and title,
	// so that the caller can say "3 entries had no arXiv id or DOI".
	Skipped []Ref
	// Duplicates counts the entries folded into an earlier one.
	Duplicates int
}

// Parse reads a library, recognising its format from the content alone (a
// paste has no file name): a RIS file starts with a tag line ("TY  - JOUR"), a CSV file
// with a header row naming a DOI, Url, Extra or arXiv column, a BibTeX file
// has "@type{" entries; anything else is read as a list of arXiv ids, arXiv
// links and DOIs, one per line ("#" starts a comment line).
//
// A file that breaks its format — unbalanced braces in BibTeX, a RIS record
// without ER, a broken CSV quote, a list line that is no id, link or DOI —
// is refused whole with a *LineError naming the line: nothing is half
// read. The content is taken leniently: an entry whose fields hold no
// recognisable id goes to Skipped. Input over MaxBytes or with more than
// MaxEntries entries is refused with ErrTooLarge; input with nothing but
// white space with ErrEmpty. Text that is not UTF-8 is read as Latin-1, the
// encoding of old BibTeX files.
func Parse(r io.Reader) (*File, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read library: %w", err)
	}
	if len(data) > MaxBytes {
		return nil, fmt.Errorf("%w: more than %d MiB; import it in parts", ErrTooLarge, MaxBytes>>20)
	}
	src, err := decode(data)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(src) == "" {
		return nil, ErrEmpty
	}
	c := &collector{file: &File{Format: detect(src)}, seen: map[string]int{}}
	switch c.file.Format {
	case RIS:
		err = parseRIS(src, c)
	case CSV:
		err = parseCSV(src, c)
	case BibTeX:
		err = parseBibTeX(src, c)
	default:
		err = parseList(src, c)
	}
	if err != nil {
		return nil, err
	}
	return c.file, nil
}

// decode turns the bytes of a file into text with "\n" line ends: a UTF-8
// byte-order mark dropped, Latin-1 decoded, binary data refused.
func decode(data []byte) (string, error) {
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return "", malformed(1, "the file is UTF-16; save it as UTF-8")
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return "", malformed(1+bytes.Count(data[:i], []byte("\n")), "binary data; want a text file: BibTeX, RIS, CSV or one id per line")
	}
	s := string(data)
	if !utf8.ValidString(s) {
		runes := make([]rune, len(data))
		for i, b := range data {
			runes[i] = rune(b)
		}
		s = string(runes)
	}
	return strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(s), nil
}

// collector gathers a file's entries as its parser finds them, enforcing
// MaxEntries and folding duplicates.
type collector struct {
	file    *File
	seen    map[string]int // "a:"+arXiv id or "d:"+DOI → index in file.Refs
	entries int
}

// add takes one entry of the file.
func (c *collector) add(r Ref) error {
	c.entries++
	if c.entries > MaxEntries {
		return &LineError{Line: r.Line, Msg: fmt.Sprintf("more than %d entries; import the library in parts", MaxEntries), kind: ErrTooLarge}
	}
	if r.ArxivID == "" && r.DOI == "" {
		c.file.Skipped = append(c.file.Skipped, r)
		return nil
	}
	// Only non-empty ids are keys: "a:" and "d:" alone are never seen.
	i, ok := c.seen["a:"+r.ArxivID]
	if !ok {
		i, ok = c.seen["d:"+r.DOI]
	}
	if !ok {
		i = len(c.file.Refs)
		c.file.Refs = append(c.file.Refs, Ref{Line: r.Line})
	} else {
		c.file.Duplicates++
	}
	// The first entry gains the ids it lacked, unless another entry has them.
	first := &c.file.Refs[i]
	if _, taken := c.seen["a:"+r.ArxivID]; first.ArxivID == "" && r.ArxivID != "" && !taken {
		first.ArxivID = r.ArxivID
		c.seen["a:"+r.ArxivID] = i
	}
	if _, taken := c.seen["d:"+r.DOI]; first.DOI == "" && r.DOI != "" && !taken {
		first.DOI = r.DOI
		c.seen["d:"+r.DOI] = i
	}
	if first.Title == "" {
		first.Title = r.Title
	}
	return nil
}

// addArxiv sets r's arXiv id from a field that holds one as a whole, unless
// r has one.
func (r *Ref) addArxiv(s string) {
	if id, _, ok := arxivid.Parse(s); ok && r.ArxivID == "" {
		r.ArxivID = id
	}
}

// addDOI sets r's DOI from a field that holds one as a whole; arXiv's DOIs
// set the arXiv id instead.
func (r *Ref) addDOI(s string) {
	doi, ok := doiOf(s)
	switch {
	case !ok:
	case strings.HasPrefix(strings.ToLower(doi), arxivDOIPrefix):
		r.addArxiv(doi[len(arxivDOIPrefix):])
	case r.DOI == "":
		r.DOI = strings.ToLower(doi)
	}
}

// addLink takes the ids a link field holds: an arXiv link or a doi.org link.
func (r *Ref) addLink(s string) {
	r.addArxiv(s)
	r.addDOI(s)
	r.addText(s)
}

// addText takes an arXiv id that free text (a journal name, a note) names.
func (r *Ref) addText(s string) {
	if id, ok := findArxivID(s); ok && r.ArxivID == "" {
		r.ArxivID = id
	}
}
