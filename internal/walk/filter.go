package walk

// Rule is one --include or --exclude, in the order given.
type Rule struct {
	Exclude bool
	Pattern Pattern
}

// Include and Exclude make rules from patterns.
func Include(pattern string) Rule { return Rule{Pattern: Compile(pattern)} }
func Exclude(pattern string) Rule { return Rule{Exclude: true, Pattern: Compile(pattern)} }

// Filter is the rules in command-line order.
type Filter []Rule

// Included reports whether rel (a '/'-separated path relative to the root)
// is selected: the last rule whose pattern matches decides, and a path no
// rule matches is included. So `--exclude '*' --include '*.txt'` selects
// the .txt files, and `--include '*.txt' --exclude '*'` selects nothing.
func (f Filter) Included(rel string) bool {
	for i := len(f) - 1; i >= 0; i-- {
		if f[i].Pattern.Match(rel) {
			return !f[i].Exclude
		}
	}
	return true
}
