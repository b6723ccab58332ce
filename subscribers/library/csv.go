package library

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// csvRole is what a CSV column tells about a paper.
type csvRole int

const (
	csvIgnored csvRole = iota
	csvTitle
	csvArxiv // the id alone
	csvDOI
	csvLink
	csvText // free text that may name an arXiv id
)

// csvRoles maps lower-case column names to their role: Zotero's export
// ("Title", "DOI", "Url", "Extra" holding "arXiv: 2401.01234", "Publication
// Title" holding "arXiv preprint arXiv:…") and the obvious names of a
// hand-made sheet.
var csvRoles = map[string]csvRole{
	"title":             csvTitle,
	"arxiv":             csvArxiv,
	"arxiv id":          csvArxiv,
	"arxiv_id":          csvArxiv,
	"eprint":            csvArxiv,
	"doi":               csvDOI,
	"url":               csvLink,
	"link":              csvLink,
	"extra":             csvText,
	"publication title": csvText,
	"archive id":        csvText,
	"journal":           csvText,
	"number":            csvText, // Zotero keeps a preprint's "arXiv:2401.01234" here
}

// csvHeader reports whether line is the header row of a CSV library: two
// columns or more, one of them known; not a list's comment line.
func csvHeader(line string) bool {
	if strings.HasPrefix(line, "#") {
		return false
	}
	cols, err := csv.NewReader(strings.NewReader(line)).Read()
	if err != nil || len(cols) < 2 {
		return false
	}
	for _, col := range cols {
		if _, ok := csvRoles[strings.ToLower(strings.TrimSpace(col))]; ok {
			return true
		}
	}
	return false
}

// parseCSV reads a CSV library: a header row, then one paper per row.
func parseCSV(src string, c *collector) error {
	cr := csv.NewReader(strings.NewReader(src))
	header, err := cr.Read()
	if err != nil {
		return csvError(err)
	}
	roles := make([]csvRole, len(header))
	idColumns := 0
	for i, col := range header {
		roles[i] = csvRoles[strings.ToLower(strings.TrimSpace(col))]
		if roles[i] > csvTitle {
			idColumns++
		}
	}
	if idColumns == 0 {
		line, _ := cr.FieldPos(0)
		return malformed(line, "the CSV header names no DOI, Url, Extra or arXiv column")
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if errors.Is(err, csv.ErrFieldCount) {
			line, _ := cr.FieldPos(0)
			return malformed(line, "%d fields, want %d as in the header", len(rec), len(header))
		}
		if err != nil {
			return csvError(err)
		}
		line, _ := cr.FieldPos(0)
		ref := Ref{Line: line}
		for i, v := range rec {
			switch roles[i] {
			case csvTitle:
				ref.Title = strings.Join(strings.Fields(v), " ")
			case csvArxiv:
				ref.addArxiv(v)
			case csvDOI:
				ref.addDOI(v)
			case csvLink:
				ref.addLink(v)
			case csvText:
				ref.addText(v)
			}
		}
		if err := c.add(ref); err != nil {
			return err
		}
	}
}

// csvError names the row of a CSV syntax error: where it starts and, for a
// quote that runs on, where the reader gave up.
func csvError(err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("read csv: %w", err)
	}
	if pe.Line != pe.StartLine {
		return malformed(pe.StartLine, "%v in the row starting here (read on to line %d)", pe.Err, pe.Line)
	}
	return malformed(pe.StartLine, "%v at column %d", pe.Err, pe.Column)
}
