package match

// bitset is a set of doc numbers, one bit each.
type bitset []uint64

func (s bitset) set(d uint32)      { s[d>>6] |= 1 << (d & 63) }
func (s bitset) has(d uint32) bool { return s[d>>6]&(1<<(d&63)) != 0 }

func (s bitset) clear() { clear(s) }

func (s bitset) and(o bitset) {
	for i := range s {
		s[i] &= o[i]
	}
}

func (s bitset) or(o bitset) {
	for i := range s {
		s[i] |= o[i]
	}
}

// not complements s among the first n docs.
func (s bitset) not(n int) {
	for i := range s {
		s[i] = ^s[i]
	}
	if n%64 != 0 {
		s[len(s)-1] &= 1<<(n%64) - 1
	}
}

// keepRange clears every doc outside [lo, hi).
func (s bitset) keepRange(lo, hi int) {
	for i := range s {
		first, last := i<<6, i<<6+63
		switch {
		case last < lo || first >= hi:
			s[i] = 0
		case first < lo || last >= hi:
			var mask uint64 = ^uint64(0)
			if first < lo {
				mask <<= lo - first
			}
			if last >= hi {
				mask &= 1<<(hi-first) - 1
			}
			s[i] &= mask
		}
	}
}
