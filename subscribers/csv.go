package subscribers

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// csvHeader is the column order of import and export files.
var csvHeader = []string{"email", "topics", "frequency", "hour", "timezone"}

// csvImportOnly are columns an import file may add: settings most readers
// leave at the operator's default, so exports do not carry them.
var csvImportOnly = []string{"max_papers"}

// ImportRow is one valid row of an import file.
type ImportRow struct {
	Line     int
	Email    string
	Topics   []string
	Settings Settings
}

// RowError is a rejected row of an import file and why.
type RowError struct {
	Line int
	Err  error
}

// ReadCSV reads an import file: a header row naming the columns (email
// first; topics, frequency, hour, timezone and max_papers optional, in any
// order), then
// one subscriber per row, topics separated by ";". Rows that fail to
// validate come back as RowErrors; the error is for a file that cannot be
// read at all.
func ReadCSV(r io.Reader) ([]ImportRow, []RowError, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("read header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !slices.Contains(csvHeader, h) && !slices.Contains(csvImportOnly, h) {
			return nil, nil, Invalidf("header column %d %q: want the columns %s", i+1, h, strings.Join(csvHeader, ","))
		}
		col[h] = i
	}
	if _, ok := col["email"]; !ok {
		return nil, nil, Invalidf("header has no email column")
	}
	var (
		rows    []ImportRow
		rejects []RowError
	)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, rejects, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				rejects = append(rejects, RowError{Line: pe.Line, Err: pe.Err})
				continue
			}
			return nil, nil, err
		}
		// Only after a good read: a row that failed to parse may have no
		// field positions, and FieldPos panics.
		line, _ := cr.FieldPos(0)
		row, err := parseRow(rec, col)
		if err != nil {
			rejects = append(rejects, RowError{Line: line, Err: err})
			continue
		}
		row.Line = line
		rows = append(rows, row)
	}
}

func parseRow(rec []string, col map[string]int) (ImportRow, error) {
	field := func(name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	row := ImportRow{Settings: DefaultSettings()}
	email, err := ParseAddress(field("email"))
	if err != nil {
		return row, err
	}
	row.Email = email
	for _, t := range strings.Split(field("topics"), ";") {
		if t = strings.TrimSpace(t); t != "" {
			row.Topics = append(row.Topics, t)
		}
	}
	if f := field("frequency"); f != "" {
		row.Settings.Frequency = Frequency(strings.ToLower(f))
	}
	if h := field("hour"); h != "" {
		n, err := strconv.Atoi(h)
		if err != nil {
			return row, Invalidf("hour %q: want 0 to 23", h)
		}
		row.Settings.Hour = n
	}
	if tz := field("timezone"); tz != "" {
		row.Settings.Timezone = tz
	}
	if m := field("max_papers"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil {
			return row, Invalidf("max papers %q: want %d to %d", m, MinPapers, MaxPapers)
		}
		row.Settings.MaxPapers = n
	}
	if err := row.Settings.Validate(); err != nil {
		return row, err
	}
	if _, err := ParseTopics(row.Topics); err != nil {
		return row, err
	}
	return row, nil
}

// WriteCSV writes every subscriber in the import format, with a header row,
// whatever their status: an export is a backup of the list.
func (s *Store) WriteCSV(ctx context.Context, w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	var after int64
	for {
		page, err := s.List(ctx, ListOptions{AfterID: after})
		if err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		for _, sub := range page {
			topics, err := s.Topics(ctx, sub.ID)
			if err != nil {
				return err
			}
			queries := make([]string, len(topics))
			for i, t := range topics {
				queries[i] = t.Query
			}
			if err := cw.Write([]string{sub.Email, strings.Join(queries, "; "), string(sub.Frequency),
				strconv.Itoa(sub.Hour), sub.Timezone}); err != nil {
				return err
			}
		}
		after = page[len(page)-1].ID
	}
	cw.Flush()
	return cw.Error()
}
