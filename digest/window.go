package digest

import "time"

// RecentSpan is how far back from the newest paper's arrival the papers
// go that digests are made of and that topics are matched against: a
// reader back after a month gets the last RecentSpan's papers, and the
// live preview and `topics test` look no further (beyond it, `topics test`
// searches the archive).
const RecentSpan = 14 * 24 * time.Hour

// Window selects the stored papers a digest, a preview or a topic test looks
// at. Paper row ids only grow, so an id range is exact where timestamps
// could tie within one second.
type Window struct {
	AfterID int64 // papers.id > AfterID
	UntilID int64 // papers.id <= UntilID; 0 means no upper bound
	// ArrivedAfter keeps papers that arrived after it (papers.arrived_at);
	// zero means any time.
	ArrivedAfter time.Time
	// ExcludeSentTo leaves out the papers already sent to this subscriber
	// (sent_papers); 0 means none are left out.
	ExcludeSentTo int64
	Limit         int // at most this many; 0 means 50
}

// Max is how many papers the window admits: Limit, or 50 when that is 0.
func (w Window) Max() int {
	if w.Limit <= 0 {
		return 50
	}
	return w.Limit
}
