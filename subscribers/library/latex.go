package library

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

var (
	// latexAccents are the accent commands, as the combining marks they put
	// on the letter after them: {\"o}, \'{e}, \v s, \c{c}.
	latexAccents = map[string]rune{
		"`": '\u0300', "'": '\u0301', "^": '\u0302', "~": '\u0303', "=": '\u0304', "u": '\u0306', ".": '\u0307',
		`"`: '\u0308', "r": '\u030A', "H": '\u030B', "v": '\u030C', "d": '\u0323', "c": '\u0327', "k": '\u0328', "b": '\u0331',
	}
	// latexSymbols are commands that stand for a letter or a word. Other
	// commands (\emph, \textbf, \mathcal…) vanish and leave their argument.
	latexSymbols = map[string]string{
		"ss": "ß", "o": "ø", "O": "Ø", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å",
		"l": "ł", "L": "Ł", "i": "i", "j": "j", "dh": "ð", "th": "þ", "ng": "ŋ",
		"LaTeX": "LaTeX", "TeX": "TeX", "textendash": "–", "textemdash": "—", "ldots": "…", "dots": "…",
		"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
		"eta": "η", "theta": "θ", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π",
		"rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
		"Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
		"infty": "∞", "times": "×", "pm": "±", "leq": "≤", "geq": "≥", "to": "→", "rightarrow": "→",
	}
)

// latexText turns a BibTeX title into the text it prints: accents applied,
// braces and math delimiters gone, "--" a dash, white space collapsed.
func latexText(s string) string {
	var b strings.Builder
	writeLatex(&b, s)
	return norm.NFC.String(strings.Join(strings.Fields(b.String()), " "))
}

func writeLatex(b *strings.Builder, s string) {
	for i := 0; i < len(s); {
		switch {
		case s[i] == '{' || s[i] == '}' || s[i] == '$':
			i++
		case s[i] == '~':
			b.WriteByte(' ')
			i++
		case strings.HasPrefix(s[i:], "---"):
			b.WriteString("—")
			i += 3
		case strings.HasPrefix(s[i:], "--"):
			b.WriteString("–")
			i += 2
		case s[i] == '\\':
			i = writeCommand(b, s, i+1)
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			b.WriteRune(r)
			i += n
		}
	}
}

// writeCommand writes the command whose name starts at s[i] and returns
// where the text after it starts.
func writeCommand(b *strings.Builder, s string, i int) int {
	if i >= len(s) {
		return i
	}
	if !isLetter(s[i]) {
		_, n := utf8.DecodeRuneInString(s[i:])
		name := s[i : i+n]
		if mark, ok := latexAccents[name]; ok {
			return writeAccent(b, s, i+n, mark)
		}
		if name == `\` {
			name = " "
		}
		b.WriteString(name) // an escaped character: \& \% \_ \{ \$
		return i + n
	}
	j := i
	for j < len(s) && isLetter(s[j]) {
		j++
	}
	name := s[i:j]
	if mark, ok := latexAccents[name]; ok {
		return writeAccent(b, s, j, mark)
	}
	b.WriteString(latexSymbols[name])
	for j < len(s) && s[j] == ' ' { // TeX eats the spaces after a command word
		j++
	}
	return j
}

// writeAccent writes the letter at s[i] — bare, in braces, or a command
// such as \i — with the combining mark after it.
func writeAccent(b *strings.Builder, s string, i int, mark rune) int {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	var arg strings.Builder
	switch {
	case i >= len(s):
	case s[i] == '{':
		depth, j := 0, i
		for ; j < len(s); j++ {
			if s[j] == '{' {
				depth++
			} else if s[j] == '}' {
				if depth--; depth == 0 {
					break
				}
			}
		}
		writeLatex(&arg, s[i+1:min(j, len(s))])
		i = min(j+1, len(s))
	case s[i] == '\\':
		i = writeCommand(&arg, s, i+1)
	default:
		_, n := utf8.DecodeRuneInString(s[i:])
		arg.WriteString(s[i : i+n])
		i += n
	}
	letters := arg.String()
	if letters == "" {
		return i
	}
	_, n := utf8.DecodeRuneInString(letters)
	b.WriteString(letters[:n])
	b.WriteRune(mark)
	b.WriteString(letters[n:])
	return i
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
