package walk

// Pattern is a compiled shell pattern with the semantics of Python's
// fnmatch.fnmatchcase, which the aws CLI uses for --include and --exclude:
//
//   - '*' matches any run of characters, '/' included;
//   - '?' matches any one character;
//   - "[seq]" matches a character in seq, "[!seq]" one not in it; ranges
//     "a-z"; a ']' first in the set is literal; a '[' with no closing ']'
//     is a literal '[';
//   - nothing can be escaped: '\' is an ordinary character.
//
// Characters are Unicode code points, as Python's str; an invalid UTF-8 byte
// in a name counts as one character (U+FFFD), as it does for Python's
// surrogate escapes.
type Pattern struct {
	src  string
	toks []token
}

type tokKind uint8

const (
	tokLit  tokKind = iota // one literal character
	tokAny                 // '?'
	tokStar                // '*' (consecutive stars are one)
	tokSet                 // "[...]"
)

type token struct {
	kind tokKind
	r    rune     // tokLit
	set  *charSet // tokSet
}

// charSet is a bracket expression after Python's translation: a list of
// inclusive ranges (a single character is a range of one), maybe negated.
// An empty, non-negated set matches nothing; an empty negated one matches
// any character.
type charSet struct {
	negate bool
	ranges [][2]rune
}

func (s *charSet) match(r rune) bool {
	in := false
	for _, rg := range s.ranges {
		if rg[0] <= r && r <= rg[1] {
			in = true
			break
		}
	}
	return in != s.negate
}

// Compile parses pattern. Every string is a valid pattern, as in Python.
func Compile(pattern string) Pattern {
	pat := []rune(pattern)
	p := Pattern{src: pattern}
	n := len(pat)
	for i := 0; i < n; {
		c := pat[i]
		i++
		switch c {
		case '*':
			if len(p.toks) == 0 || p.toks[len(p.toks)-1].kind != tokStar {
				p.toks = append(p.toks, token{kind: tokStar})
			}
		case '?':
			p.toks = append(p.toks, token{kind: tokAny})
		case '[':
			set, next, ok := parseSet(pat, i)
			if !ok {
				p.toks = append(p.toks, token{kind: tokLit, r: '['})
				continue
			}
			p.toks = append(p.toks, token{kind: tokSet, set: set})
			i = next
		default:
			p.toks = append(p.toks, token{kind: tokLit, r: c})
		}
	}
	return p
}

// parseSet reads a bracket expression whose '[' is just before pat[i],
// following Python's fnmatch.translate step by step (the hyphen chunks and
// the removal of empty ranges included), so that odd sets such as "[z-a]"
// (never matches), "[!z-a]" (any character) or "[a-b-c]" (a, b, '-', c)
// mean what they mean there. ok is false when no ']' closes it.
func parseSet(pat []rune, i int) (set *charSet, next int, ok bool) {
	n := len(pat)
	j := i
	if j < n && pat[j] == '!' {
		j++
	}
	if j < n && pat[j] == ']' {
		j++
	}
	for j < n && pat[j] != ']' {
		j++
	}
	if j >= n {
		return nil, 0, false
	}
	// chunks are the pieces between range hyphens: the last character of
	// one chunk and the first of the next are a range's ends; any other
	// character, a hyphen included, stands for itself.
	var chunks [][]rune
	if !containsRune(pat[i:j], '-') {
		chunks = [][]rune{pat[i:j]}
	} else {
		start := i
		k := i + 1
		if pat[i] == '!' {
			k = i + 2
		}
		for {
			k = indexRune(pat, '-', k, j)
			if k < 0 {
				break
			}
			chunks = append(chunks, pat[start:k])
			start = k + 1
			k += 3
		}
		if last := pat[start:j]; len(last) > 0 {
			chunks = append(chunks, last)
		} else {
			chunks[len(chunks)-1] = append(append([]rune(nil), chunks[len(chunks)-1]...), '-')
		}
		// Remove empty ranges (end before start), as Python does.
		for k := len(chunks) - 1; k > 0; k-- {
			prev, cur := chunks[k-1], chunks[k]
			if prev[len(prev)-1] > cur[0] {
				merged := append(append([]rune(nil), prev[:len(prev)-1]...), cur[1:]...)
				chunks[k-1] = merged
				chunks = append(chunks[:k], chunks[k+1:]...)
			}
		}
	}
	set = &charSet{}
	if len(chunks) > 0 && len(chunks[0]) > 0 && chunks[0][0] == '!' {
		set.negate = true
		chunks[0] = chunks[0][1:]
	}
	for k, ch := range chunks {
		from := 0
		if k > 0 {
			// ch[0] closed the range opened by the previous chunk's last
			// character.
			from = 1
		}
		to := len(ch)
		if k < len(chunks)-1 {
			to-- // ch's last character opens a range with the next chunk
		}
		for _, r := range ch[from:max(from, to)] {
			set.ranges = append(set.ranges, [2]rune{r, r})
		}
		if k < len(chunks)-1 {
			set.ranges = append(set.ranges, [2]rune{ch[len(ch)-1], chunks[k+1][0]})
		}
	}
	return set, j + 1, true
}

func containsRune(s []rune, r rune) bool { return indexRune(s, r, 0, len(s)) >= 0 }

// indexRune is Python's str.find(r, from, to) on runes.
func indexRune(s []rune, r rune, from, to int) int {
	for k := max(from, 0); k < min(to, len(s)); k++ {
		if s[k] == r {
			return k
		}
	}
	return -1
}

// String is the pattern as written.
func (p Pattern) String() string { return p.src }

// Match reports whether name matches the whole pattern. It runs in
// O(len(pattern) x len(name)): after a '*', a failed match resumes from
// the last star only, which is enough because every other token has a
// fixed width.
func (p Pattern) Match(name string) bool {
	s := []rune(name)
	ti, si := 0, 0
	star, starS := -1, 0
	for si < len(s) {
		if ti < len(p.toks) {
			t := p.toks[ti]
			switch {
			case t.kind == tokStar:
				star, starS = ti, si
				ti++
				continue
			case t.kind == tokAny,
				t.kind == tokLit && t.r == s[si],
				t.kind == tokSet && t.set.match(s[si]):
				ti++
				si++
				continue
			}
		}
		if star < 0 {
			return false
		}
		// Let the last star swallow one more character and retry.
		starS++
		ti, si = star+1, starS
	}
	for ti < len(p.toks) && p.toks[ti].kind == tokStar {
		ti++
	}
	return ti == len(p.toks)
}

// Match reports whether name matches pattern (see Pattern).
func Match(pattern, name string) bool { return Compile(pattern).Match(name) }
