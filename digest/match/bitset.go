package match

import "math/bits"

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

// each calls fn with each doc in s, in ascending order.
func (s bitset) each(fn func(d uint32)) {
	for i, w := range s {
		for w != 0 {
			fn(uint32(i<<6 | bits.TrailingZeros64(w)))
			w &= w - 1
		}
	}
}
