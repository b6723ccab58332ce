package rank

// Like finds, among the papers a reader liked (up-votes and library, as
// vectors), the one most like a candidate: the "like ‹a paper you liked›"
// of a digest's "why this paper". It returns that paper's index and the
// cosine similarity of the two, or -1 when liked is empty or shares no
// feature with the candidate.
func Like(candidate Vector, liked []Vector) (index int, similarity float64) {
	index = -1
	for i, v := range liked {
		if s := candidate.Dot(v); s > similarity {
			index, similarity = i, s
		}
	}
	return index, similarity
}
