package unicode61

// foldRange is an entry of sqlite3Fts5UnicodeFold's table: n code points
// from code fold to lower case, all of them or, when flags' low bit is
// set, every second one; foldOffsets[flags>>1] is what folding adds.
type foldRange struct {
	code  uint16
	flags uint8
	n     uint8
}

// fold is sqlite3Fts5UnicodeFold with remove_diacritics 2: c in lower case
// and, for a Latin letter, without its diacritics. A combining diacritic
// folds to 0, which the tokenizer drops. c is read as C's int, as there.
func fold(c uint32) uint32 {
	n := int32(c)
	switch {
	case n < 128:
		if n >= 'A' && n <= 'Z' {
			return c + 'a' - 'A'
		}
		return c
	case n < 65536:
		lo, hi, res := 0, len(foldRanges)-1, -1
		for hi >= lo {
			mid := (hi + lo) / 2
			if n-int32(foldRanges[mid].code) >= 0 {
				res, lo = mid, mid+1
			} else {
				hi = mid - 1
			}
		}
		ret := n
		r := foldRanges[res]
		if n < int32(r.code)+int32(r.n) && 0 == 0x01&int32(r.flags)&(int32(r.code)^n) {
			ret = (n + int32(foldOffsets[r.flags>>1])) & 0xFFFF
		}
		return uint32(removeDiacritic(ret))
	case n >= 66560 && n < 66600:
		return c + 40
	}
	return c
}

// removeDiacritic is fts5_remove_diacritic with bComplex set: the bare
// ASCII letter of a lower-case Latin letter with diacritics, 0 for a
// combining diacritic, c itself otherwise.
func removeDiacritic(c int32) int32 {
	key := uint32(c)<<3 | 7
	res, lo, hi := 0, 0, len(diacriticKeys)-1
	for hi >= lo {
		mid := (hi + lo) / 2
		if key >= uint32(diacriticKeys[mid]) {
			res, lo = mid, mid+1
		} else {
			hi = mid - 1
		}
	}
	if c > int32(diacriticKeys[res]>>3)+int32(diacriticKeys[res]&0x07) {
		return c
	}
	return int32(diacriticBase[res] & 0x7F)
}
