package library

import (
	"cmp"
	"strings"
)

// bibEntry is one entry with its fields as written, braces and all.
type bibEntry struct {
	key    string
	line   int
	fields map[string]string // lower-case name → raw value; the first of a repeated field
	order  []bibField
}

// bibField is where a field's value starts, to point at the field an error is in.
type bibField struct {
	name  string
	start int
}

// bibtexText are the fields where an arXiv id may hide in free text: Google
// Scholar's journal = {arXiv preprint arXiv:2401.01234}, Zotero's note =
// {arXiv:2401.01234 [cs]}, a howpublished = {\url{https://arxiv.org/abs/…}}.
var bibtexText = []string{"journal", "journaltitle", "booktitle", "note", "howpublished"}

// ref is the paper an entry names. The arXiv id comes from eprint (when
// archivePrefix or eprinttype is arXiv or absent), arxivid (Mendeley), doi
// (arXiv's own DOIs), url, or an "arXiv:" mention in the free-text fields.
func (e *bibEntry) ref() Ref {
	ref := Ref{Line: e.line, Title: latexText(e.fields["title"])}
	archive := cmp.Or(plain(e.fields["archiveprefix"]), plain(e.fields["eprinttype"]))
	if archive == "" || strings.EqualFold(archive, "arxiv") {
		ref.addArxiv(plain(e.fields["eprint"]))
	}
	ref.addArxiv(plain(e.fields["arxivid"]))
	ref.addDOI(plain(e.fields["doi"]))
	ref.addLink(plain(e.fields["url"]))
	for _, f := range bibtexText {
		ref.addText(plain(e.fields[f]))
	}
	return ref
}

// plainEscapes undoes what BibTeX needs around ids and links: braces that
// protect case, escaped "_", "%", "&", "#".
var plainEscapes = strings.NewReplacer("{", "", "}", "", `\_`, "_", `\%`, "%", `\&`, "&", `\#`, "#")

// plain is a field value as an id or link: braces and escapes gone.
func plain(s string) string { return strings.TrimSpace(plainEscapes.Replace(s)) }
