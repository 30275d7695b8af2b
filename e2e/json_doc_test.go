package e2e

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/uploader-dev/uploader/diagnosis"
	preflightpkg "github.com/uploader-dev/uploader/preflight"
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

// Every diagnosis code is named in docs/json-events.md and in the README,
// and every transient one (Code.Transient: exit 4) is in json-events.md's
// sentence that lists the codes that exit 4.
func TestJSONDocNamesEveryDiagnosisCode(t *testing.T) {
	doc := readJSONDoc(t)
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	exit4 := exit4Sentence(t, doc)
	for _, c := range diagnosis.Codes {
		quoted := "`" + string(c) + "`"
		if !strings.Contains(doc, quoted) {
			t.Errorf("diagnosis code %s is not in docs/json-events.md", quoted)
		}
		if !strings.Contains(string(readme), quoted) {
			t.Errorf("diagnosis code %s is not in README.md", quoted)
		}
		if c.Transient() && !strings.Contains(exit4, quoted) {
			t.Errorf("transient diagnosis code %s is not in docs/json-events.md's exit 4 sentence: %q", quoted, exit4)
		}
	}
}

// exit4Sentence is the sentence of json-events.md's "Diagnosis codes:"
// paragraph that says which codes exit 4: from the end of the sentence
// before "exit 4" to the next full stop that ends a sentence.
func exit4Sentence(t *testing.T, doc string) string {
	t.Helper()
	start := strings.Index(doc, "\nDiagnosis codes:")
	if start < 0 {
		t.Fatal(`docs/json-events.md has no paragraph starting "Diagnosis codes:"`)
	}
	para := doc[start+1:]
	if end := strings.Index(para, "\n\n"); end >= 0 {
		para = para[:end]
	}
	para = strings.Join(strings.Fields(para), " ")
	i := strings.Index(para, "exit 4")
	if i < 0 {
		t.Fatalf("the Diagnosis codes paragraph of docs/json-events.md does not say which codes exit 4: %q", para)
	}
	from := strings.LastIndex(para[:i], ". ") + 1 // 0 when it is the first sentence
	sentence := para[from:]
	if to := strings.Index(sentence[i-from:], ". "); to >= 0 {
		sentence = sentence[:i-from+to+1]
	}
	return strings.TrimSpace(sentence)
}

// Every check name the preflight package declares (a const Check... =
// "name" in preflight/*.go, so a new one is found without a list to keep)
// is in the check table's name row of docs/json-events.md.
func TestJSONDocNamesEveryPreflightCheck(t *testing.T) {
	names := preflightCheckNames(t)
	for _, known := range []string{preflightpkg.CheckIdentity, preflightpkg.CheckCanary, preflightpkg.CheckListing} {
		if !names[known] {
			t.Fatalf("reading preflight/*.go found no check %q: found %v", known, names)
		}
	}
	doc := readJSONDoc(t)
	var row string
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(line, "| `name` |") {
			row = line
			break
		}
	}
	if row == "" {
		t.Fatal("docs/json-events.md has no check table row for `name`")
	}
	for n := range names {
		if !strings.Contains(row, "`"+n+"`") {
			t.Errorf("preflight check %q is not in docs/json-events.md's check.name row: %s", n, row)
		}
	}
}

// preflightCheckNames are the values of the string constants named
// Check<Upper>... in the preflight package's non-test files.
func preflightCheckNames(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob("../preflight/*.go")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range af.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, sp := range gd.Specs {
				vs := sp.(*ast.ValueSpec)
				for i, id := range vs.Names {
					if len(id.Name) < 6 || !strings.HasPrefix(id.Name, "Check") || id.Name[5] < 'A' || id.Name[5] > 'Z' || i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					v, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					names[v] = true
				}
			}
		}
	}
	return names
}
