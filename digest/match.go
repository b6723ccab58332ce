package digest

// Match is one paper a query matched.
type Match struct {
	PaperID int64 // papers.id
	Score   float64
}
