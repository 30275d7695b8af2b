package upload

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"testing"
)

// upload re-declares every diagnosis code (Go cannot re-export a block of
// constants), and so does internal/diagnose: a code added to
// diagnosis.Codes and forgotten in either list fails here.
func TestCodeListsFollowDiagnosis(t *testing.T) {
	want := identsIn(t, "../diagnosis/diagnosis.go", func(n ast.Node) []string {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || len(vs.Names) != 1 || vs.Names[0].Name != "Codes" {
			return nil
		}
		var out []string
		for _, e := range vs.Values[0].(*ast.CompositeLit).Elts {
			out = append(out, e.(*ast.Ident).Name)
		}
		return out
	})
	if len(want) < 20 {
		t.Fatalf("found %d codes in diagnosis.Codes: the parse is wrong", len(want))
	}
	aliases := func(n ast.Node) []string { // X = diagnosis.X
		vs, ok := n.(*ast.ValueSpec)
		if !ok || len(vs.Values) != 1 {
			return nil
		}
		if sel, ok := vs.Values[0].(*ast.SelectorExpr); ok && sel.Sel.Name == vs.Names[0].Name && sel.Sel.Name != "Codes" {
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "diagnosis" {
				return []string{sel.Sel.Name}
			}
		}
		return nil
	}
	for _, file := range []string{"exported.go", "../internal/diagnose/code.go"} {
		got := identsIn(t, file, aliases)
		slices.Sort(got)
		w := slices.Sorted(slices.Values(want))
		if !slices.Equal(got, w) {
			t.Errorf("%s declares %v\ndiagnosis.Codes has %v", file, got, w)
		}
	}
}

func identsIn(t *testing.T, file string, pick func(ast.Node) []string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		out = append(out, pick(n)...)
		return true
	})
	return out
}
