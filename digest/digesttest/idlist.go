package digesttest

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// IDList answers the arXiv API's id_list requests from the two captured
// id_list responses: the feed of the entries of the ids it knows
// (1707.08567 and astro-ph/0601001), none for the others, its total
// results their number.
func IDList(t testing.TB) func(ids []string) string {
	t.Helper()
	entry := regexp.MustCompile(`(?s)<entry>.*?</entry>`)
	known := map[string]string{}
	var head string
	for id, name := range map[string]string{
		"1707.08567":       "arxiv_api_idlist_1707.08567_34authors_nonascii.xml",
		"astro-ph/0601001": "arxiv_api_idlist_astro-ph_0601001_oldid_affiliation.xml",
	} {
		feed := string(Fixture(t, name))
		known[id] = entry.FindString(feed)
		head = feed[:strings.Index(feed, "<entry>")]
	}
	total := regexp.MustCompile(`<opensearch:totalResults>\d+`)
	return func(ids []string) string {
		var entries []string
		for _, id := range ids {
			if e, ok := known[id]; ok {
				entries = append(entries, e)
			}
		}
		h := total.ReplaceAllString(head, fmt.Sprintf("<opensearch:totalResults>%d", len(entries)))
		return h + strings.Join(entries, "\n") + "</feed>"
	}
}
