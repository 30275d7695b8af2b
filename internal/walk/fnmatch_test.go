package walk

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// fnmatchCases are (pattern, name, Python's answer). The answers were
// computed with Python 3.11's fnmatch.fnmatchcase, which the aws CLI's
// --include/--exclude use, so these pin the same semantics: '*' crosses
// '/', no escapes, Python's odd sets ("[z-a]", "[a-b-c]", "[]]").
var fnmatchCases = []struct {
	pattern, name string
	want          bool
}{
	{"*", "", true},
	{"*", "a", true},
	{"*", "a/b/c", true},
	{"*.txt", "a.txt", true},
	{"*.txt", "dir/a.txt", true},
	{"*.txt", "a.txt/b", false},
	{"*.txt", ".txt", true},
	{"a*", "a", true},
	{"a*b", "ab", true},
	{"a*b", "a/x/b", true},
	{"a*b", "a/x/bc", false},
	{"a**b", "axb", true},
	{"?", "", false},
	{"?", "a", true},
	{"?", "ab", false},
	{"?", "/", true},
	{"a?c", "abc", true},
	{"a?c", "a/c", true},
	{"?", "é", true},
	{"??", "é", false},
	{"[abc]", "b", true},
	{"[abc]", "d", false},
	{"[!abc]", "d", true},
	{"[!abc]", "a", false},
	{"[a-c]", "b", true},
	{"[a-c]", "-", false},
	{"[z-a]", "z", false},
	{"[z-a]", "a", false},
	{"[z-a]", "-", false},
	{"[!z-a]", "q", true},
	{"[!z-a]", "/", true},
	{"[a-]", "-", true},
	{"[a-]", "a", true},
	{"[a-]", "b", false},
	{"[-a]", "-", true},
	{"[!-a]", "-", false},
	{"[!-a]", "b", true},
	{"[a-b-c]", "-", true},
	{"[a-b-c]", "c", true},
	{"[a-b-c]", "b", true},
	{"[a-bc-d]", "c", true},
	{"[a-bc-d]", "e", false},
	{"[]]", "]", true},
	{"[]a]", "a", true},
	{"[!]]", "]", false},
	{"[!]]", "a", true},
	{"[]", "]", false},
	{"[]", "[]", true},
	{"[!]", "[!]", true},
	{"[", "[", true},
	{"[a", "[a", true},
	{"a[", "a[", true},
	{"[!", "[!", true},
	{"[]-a]", "^", true},
	{"[]-a]", "b", false},
	{"\\", "\\", true},
	{"\\*", "\\x", true},
	{"\\*", "*", false},
	{"[\\]", "\\", true},
	{"[\\-a]", "Z", false},
	{"[\\-a]", "b", false},
	{"[^a]", "^", true},
	{"[^a]", "b", false},
	{"[[a]", "[", true},
	{"[a[]", "[", true},
	{"[&&]", "&", true},
	{"[a~|]", "|", true},
	{"[--0]", "-", true},
	{"[--0]", "/", true},
	{"[--0]", "1", false},
	{"[z-ab-c]", "b", true},
	{"[z-ab-c]", "z", false},
	{"[z-ab-c]", "a", false},
	{"[!z-a-c]", "-", false},
	{"[!z-a-c]", "b", true},
	{"*[0-9]", "file9", true},
	{"*[0-9]", "file", false},
	{"a*b*c", "abc", true},
	{"a*b*c", "aXbYc", true},
	{"a*b*c", "acb", false},
	{"a*b*c*", "abcabc", true},
	{"*a*a*a", "aaaa", true},
	{"*a*a*a", "aa", false},
	{"sub/*", "sub/a", true},
	{"sub/*", "sub/x/y", true},
	{"sub/*", "sub", false},
	{"sub/*", "subx/a", false},
	{"*/c.txt", "c.txt", false},
	{"*/c.txt", "a/b/c.txt", true},
	{".*", ".hidden", true},
	{"*", ".hidden", true},
	{"a\nb", "a\nb", true},
	{"a?b", "a\nb", true},
	{"a*", "a\n\n", true},
	{"[\n]", "\n", true},
	{"é*", "été", true},
	{"[à-ÿ]", "é", true},
	{"[à-ÿ]", "e", false},
	{"*.TXT", "a.txt", false},
}

func TestMatchLikePython(t *testing.T) {
	for _, tt := range fnmatchCases {
		if got := Match(tt.pattern, tt.name); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, Python says %v", tt.pattern, tt.name, got, tt.want)
		}
		// The fuzz test's reference must agree with Python too.
		if got := regexp.MustCompile(pythonTranslate(tt.pattern)).MatchString(tt.name); got != tt.want {
			t.Errorf("reference %s on %q = %v, Python says %v", pythonTranslate(tt.pattern), tt.name, got, tt.want)
		}
	}
}

// FuzzMatch compares the matcher with a regular expression built the way
// Python's fnmatch.translate builds it (ported below, string for string):
// two independent routes to the same semantics must agree on any pattern
// and name.
func FuzzMatch(f *testing.F) {
	for _, tt := range fnmatchCases {
		f.Add(tt.pattern, tt.name)
	}
	f.Fuzz(func(t *testing.T, pattern, name string) {
		if !utf8.ValidString(pattern) || len(pattern) > 64 || len(name) > 256 {
			return // Go's regexp refuses invalid UTF-8 patterns; long inputs only slow the fuzzer
		}
		re, err := regexp.Compile(pythonTranslate(pattern))
		if err != nil {
			t.Fatalf("reference regexp for %q: %v", pattern, err)
		}
		if got, want := Match(pattern, name), re.MatchString(name); got != want {
			t.Fatalf("Match(%q, %q) = %v, Python's translation (%s) says %v", pattern, name, got, re, want)
		}
	})
}

// pythonTranslate is Python 3.11's fnmatch.translate, producing Go regexp
// syntax: the same chunks and empty-range removal, with every non-word
// character of a set escaped ('\' + punctuation is a literal in Go) and
// "(?!)" (never matches) spelled as an impossible class.
func pythonTranslate(pattern string) string {
	pat := []rune(pattern)
	var res strings.Builder
	res.WriteString(`\A(?s:`)
	n := len(pat)
	lastStar := false
	for i := 0; i < n; {
		c := pat[i]
		i++
		if c == '*' {
			if !lastStar {
				res.WriteString(".*")
			}
			lastStar = true
			continue
		}
		lastStar = false
		switch c {
		case '?':
			res.WriteString(".")
		case '[':
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
				res.WriteString(`\[`)
				continue
			}
			var chunks []string
			if !strings.ContainsRune(string(pat[i:j]), '-') {
				chunks = []string{string(pat[i:j])}
			} else {
				k := i + 1
				if pat[i] == '!' {
					k = i + 2
				}
				for {
					k = find(pat, '-', k, j)
					if k < 0 {
						break
					}
					chunks = append(chunks, string(pat[i:k]))
					i = k + 1
					k += 3
				}
				if chunk := string(pat[i:j]); chunk != "" {
					chunks = append(chunks, chunk)
				} else {
					chunks[len(chunks)-1] += "-"
				}
				for k := len(chunks) - 1; k > 0; k-- {
					prev, cur := []rune(chunks[k-1]), []rune(chunks[k])
					if prev[len(prev)-1] > cur[0] {
						chunks[k-1] = string(prev[:len(prev)-1]) + string(cur[1:])
						chunks = append(chunks[:k], chunks[k+1:]...)
					}
				}
			}
			i = j + 1
			// Python joins the chunks with range hyphens, then reads a
			// leading '!' as negation.
			negate := strings.HasPrefix(chunks[0], "!")
			chunks[0] = strings.TrimPrefix(chunks[0], "!")
			escaped := make([]string, len(chunks))
			for k, ch := range chunks {
				escaped[k] = escapeClass(ch)
			}
			stuff := strings.Join(escaped, "-")
			switch {
			case stuff == "" && !negate:
				res.WriteString(`[^\x00-\x{10FFFF}]`)
			case stuff == "":
				res.WriteString(".")
			case negate:
				res.WriteString("[^" + stuff + "]")
			default:
				res.WriteString("[" + stuff + "]")
			}
		default:
			res.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	res.WriteString(`)\z`)
	return res.String()
}

// escapeClass makes every character of s a literal inside a Go class:
// '\' before any ASCII non-word character means that character itself.
func escapeClass(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < utf8.RuneSelf && !isWord(r) {
			b.WriteRune('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func find(s []rune, r rune, from, to int) int {
	for k := from; k < to && k < len(s); k++ {
		if s[k] == r {
			return k
		}
	}
	return -1
}

func isWord(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_'
}
