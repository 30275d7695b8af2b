package e2e

import (
	"os"
	"sort"
	"strings"
	"testing"
)

// The schema in json_test.go and docs/json-events.md must say the same:
// every event kind and every field the validators know is named in the
// document, and every example in it passes the validators.

func readJSONDoc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../docs/json-events.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestJSONDocNamesEveryField(t *testing.T) {
	doc := readJSONDoc(t)
	var kinds []string
	for k := range eventSchemas {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		if !strings.Contains(doc, "`"+k+"`") {
			t.Errorf("event kind %q is not in docs/json-events.md", k)
		}
		for f := range eventSchemas[k] {
			if !strings.Contains(doc, "`"+f+"`") {
				t.Errorf("%s.%s is not in docs/json-events.md", k, f)
			}
		}
	}
}

// The examples are real runs, shortened: each block is a whole stdout.
func TestJSONDocExamplesValidate(t *testing.T) {
	doc := readJSONDoc(t)
	blocks := strings.Split(doc, "```json\n")[1:]
	if len(blocks) == 0 {
		t.Fatal("no JSON examples in docs/json-events.md")
	}
	for i, b := range blocks {
		out := b[:strings.Index(b, "```")]
		if strings.HasPrefix(out, "{\n") {
			continue // one indented document: uploads list (uploads_json_test.go)
		}
		r := cliResult{Stdout: out}
		evs, errs := parseEvents(t, r)
		if strings.Contains(out, `"event":"summary"`) {
			errs = append(errs, checkSetSequence(evs)...)
		} else {
			errs = append(errs, checkSequence(evs)...)
		}
		if len(errs) > 0 {
			t.Errorf("example %d breaks the schema:\n  %s\n%s", i+1, strings.Join(errs, "\n  "), out)
		}
	}
}
