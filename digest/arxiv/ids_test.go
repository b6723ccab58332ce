package arxiv_test

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/digestd/digestd/digest/arxiv"
	"github.com/digestd/digestd/digest/digesttest"
)

// idServer answers id_list requests as arXiv does (digesttest.IDList).
func idServer(t *testing.T) func(url.Values) (int, string) {
	feed := digesttest.IDList(t)
	return func(q url.Values) (int, string) {
		return 200, feed(strings.Split(q.Get("id_list"), ","))
	}
}

// TestFetchIDs: the papers of the ids arXiv knows, whole, in requests of
// at most 100 ids that ask for as many results as ids; unknown ids are
// left out.
func TestFetchIDs(t *testing.T) {
	many := []string{"1707.08567"}
	for i := range 249 {
		many = append(many, fmt.Sprintf("2601.%05d", i))
	}
	many = append(many, "astro-ph/0601001")
	tests := []struct {
		name         string
		ids          []string
		want         []string
		wantRequests []string // max_results of each request
	}{
		{"one known id", []string{"1707.08567"}, []string{"1707.08567"}, []string{"1"}},
		{"old-style id and new", []string{"astro-ph/0601001", "1707.08567"}, []string{"1707.08567", "astro-ph/0601001"}, []string{"2"}},
		{"unknown id", []string{"0000.00000"}, nil, []string{"1"}},
		{"251 ids in three requests", many, []string{"1707.08567", "astro-ph/0601001"}, []string{"100", "100", "51"}},
		{"no ids", nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := serve(t, idServer(t))
			papers, err := client(s).FetchIDs(t.Context(), tt.ids)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range papers {
				got = append(got, p.ID)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("papers: got %q, want %q", got, tt.want)
			}
			if got := s.param("max_results"); !slices.Equal(got, tt.wantRequests) {
				t.Errorf("requests' max_results: got %q, want %q", got, tt.wantRequests)
			}
			var asked []string
			for _, list := range s.param("id_list") {
				asked = append(asked, strings.Split(list, ",")...)
			}
			if !slices.Equal(asked, tt.ids) {
				t.Errorf("ids asked: got %d (%.40q…), want the %d given, in order", len(asked), asked, len(tt.ids))
			}
		})
	}
}

// TestFetchIDsPaper: an id's paper as the captured answer has it.
func TestFetchIDsPaper(t *testing.T) {
	s := serve(t, idServer(t))
	papers, err := client(s).FetchIDs(t.Context(), []string{"1707.08567", "astro-ph/0601001"})
	if err != nil || len(papers) != 2 {
		t.Fatalf("got %d papers, %v; want 2", len(papers), err)
	}
	p := papers[0]
	if p.Title != "Proceedings of Workshop AEW10: Concepts in Information Theory and Communications" ||
		len(p.Authors) != 34 || !slices.Contains(p.Authors, "Dirk Wübben") || p.Version != 1 ||
		!slices.Equal(p.Categories, []string{"cs.IT"}) || p.PublishedAt.Format("2006-01-02") != "2017-07-27" {
		t.Errorf("1707.08567: got %q, %d authors, v%d, %q, published %s", p.Title, len(p.Authors), p.Version, p.Categories, p.PublishedAt)
	}
	if p := papers[1]; p.ID != "astro-ph/0601001" || p.JournalRef != "ActaAstron.56:1-50,2006" || !slices.Equal(p.Categories, []string{"astro-ph"}) {
		t.Errorf("astro-ph/0601001: got %s, journal %q, %q", p.ID, p.JournalRef, p.Categories)
	}
}

// TestFetchIDsError: a refused request ends the fetch with arXiv's message
// and the papers of the requests before it.
func TestFetchIDsError(t *testing.T) {
	errFeed := string(readFixture(t, "arxiv_api_error_incorrect_id_format_http400.xml"))
	known := idServer(t)
	s := serve(t, func(q url.Values) (int, string) {
		if strings.Contains(q.Get("id_list"), "abc") {
			return 400, errFeed
		}
		return known(q)
	})
	ids := append(slices.Repeat([]string{"1707.08567"}, 100), "abc")
	papers, err := client(s).FetchIDs(t.Context(), ids)
	if !errors.Is(err, arxiv.ErrAPI) || !strings.Contains(err.Error(), "incorrect id format for abc") || !strings.Contains(err.Error(), "id_list of 1 from abc") {
		t.Errorf("got error %v, want arXiv's message naming the request", err)
	}
	if len(papers) != 1 || papers[0].ID != "1707.08567" {
		t.Errorf("got %d papers, want the first request's 1707.08567", len(papers))
	}
}
