package arxiv

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/digestd/digestd/digest"
)

// IDsPerRequest is how many arXiv ids one FetchIDs request names: the
// API's id_list answers a hundred at once within its one page.
const IDsPerRequest = 100

// FetchIDs returns the papers with the given versionless arXiv ids, the
// latest version of each, in the order the API answers. Ids arXiv does not
// know are left out, not an error. It asks IDsPerRequest ids a request,
// through Download, so that these requests keep the source's pacing (one
// every sources.arxiv.interval, one at a time). When a request fails, the
// papers of the requests before it come back with the error.
func (c *Client) FetchIDs(ctx context.Context, ids []string) ([]digest.Paper, error) {
	if c.Download == nil {
		return nil, errors.New("arxiv: no download client")
	}
	base, err := url.Parse(cmp.Or(c.URL, DefaultURL))
	if err != nil {
		return nil, fmt.Errorf("arxiv: url: %w", err)
	}
	var papers []digest.Paper
	seen := make(map[string]bool)
	for start := 0; start < len(ids); start += IDsPerRequest {
		chunk := ids[start:min(start+IDsPerRequest, len(ids))]
		q := base.Query()
		q.Set("id_list", strings.Join(chunk, ","))
		q.Set("start", "0")
		q.Set("max_results", strconv.Itoa(len(chunk)))
		u := *base
		u.RawQuery = q.Encode()
		feed, err := c.get(ctx, u.String())
		if err != nil {
			return papers, fmt.Errorf("%w (id_list of %d from %s)", err, len(chunk), chunk[0])
		}
		for _, p := range feed.Papers {
			if !seen[p.ID] {
				seen[p.ID] = true
				papers = append(papers, p)
			}
		}
	}
	return papers, nil
}
