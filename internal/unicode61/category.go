package unicode61

// tokenCategories marks the categories whose characters make tokens: the
// default "L* N* Co" of unicode61, indexed as sqlite3Fts5UnicodeCatParse
// numbers them. Category 0, a code point the tables do not list
// (unassigned in Unicode 6.1, or past plane 15), makes tokens too:
// sqlite3Fts5UnicodeCatParse always sets it.
var tokenCategories = func() (cats [32]bool) {
	for _, c := range []int{0, 5, 6, 7, 8, 9, 30, 13, 14, 15, 31} {
		cats[c] = true
	}
	return cats
}()

// asciiToken marks the ASCII characters that make tokens, derived from the
// tables as sqlite3Fts5UnicodeAscii does: letters and digits. NUL never
// makes a token.
var asciiToken = func() (a [128]bool) {
	i := 0
	for j := 0; i < 128; j++ {
		token := tokenCategories[categoryData[j]&0x1F]
		for n := int(categoryData[j]>>5) + i; i < 128 && i < n; i++ {
			a[i] = token
		}
	}
	a[0] = false
	return a
}()

// category is sqlite3Fts5UnicodeCategory: the Unicode 6.1 general
// category of c, numbered as tokenCategories is.
func category(c uint32) int {
	if c >= 1<<20 {
		return 0
	}
	lo, hi := int(categoryBlock[c>>16]), int(categoryBlock[c>>16+1])
	key := uint16(c)
	res := -1
	for hi > lo {
		mid := (hi + lo) / 2
		if key >= categoryMap[mid] {
			res, lo = mid, mid+1
		} else {
			hi = mid
		}
	}
	if res < 0 || int(key) >= int(categoryMap[res])+int(categoryData[res]>>5) {
		return 0
	}
	cat := int(categoryData[res] & 0x1F)
	if cat != 30 {
		return cat
	}
	if (key-categoryMap[res])&1 != 0 {
		return 5
	}
	return 9
}

// isAlnum is fts5UnicodeIsAlnum without exceptions: whether c makes tokens.
func isAlnum(c uint32) bool { return tokenCategories[category(c)] }

// isDiacritic is sqlite3Fts5UnicodeIsdiacritic: whether c is one of the
// combining marks that continue a token (and fold away) but cannot start
// one. c is read as C's int, so code points past 0x7FFFFFFF are negative.
func isDiacritic(c uint32) bool {
	const mask0, mask1 = 0x08029FDF, 0x000361F8
	n := int32(c)
	switch {
	case n < 768 || n > 817:
		return false
	case n < 768+32:
		return mask0&(1<<(n-768)) != 0
	}
	return mask1&(1<<(n-768-32)) != 0
}
