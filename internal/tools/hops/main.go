// Command hops counts the hops of one upload: the calls from one file of
// package upload into another (tests excluded) on the path a test runs.
// It is the measure issue 18 asks for, made mechanical so that two counts
// compare:
//
//  1. run one test of package upload (default TestJournaledFileFirstRun: a
//     journaled multipart file, first run, nothing failing) with coverage;
//  2. type-check the package's non-test files and find every function or
//     method reachable from (*Uploader).Upload through references to the
//     package's own functions (a call, or a method value handed on; an
//     unexported interface's method reaches the package's types that
//     implement it; a call through an exported one, Client or Listener,
//     leaves the engine for the caller's code and is no hop);
//  3. a hop is a reference, in a reachable function and in a block the
//     test ran, to a function or method declared in another file.
//
// Usage: go run ./internal/tools/hops [-run TestName] [-v] (make hops).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
)

const pkgPath = "github.com/uploader-dev/uploader/upload"

func main() {
	run := flag.String("run", "TestJournaledFileFirstRun", "the test whose path is counted")
	verbose := flag.Bool("v", false, "list every hop")
	flag.Parse()
	if err := count(*run, *verbose, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "hops:", err)
		os.Exit(1)
	}
}

type site struct {
	pos    token.Position
	caller string
	callee *types.Func
}

func count(test string, verbose bool, w io.Writer) error {
	covered, err := coverage(test)
	if err != nil {
		return err
	}
	fset, pkg, info, files, err := load()
	if err != nil {
		return err
	}
	declFile := map[*types.Func]string{}
	decls := map[*types.Func]*ast.FuncDecl{}
	for _, f := range files {
		name := filepath.Base(fset.Position(f.Pos()).Filename)
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				if fn, ok := info.Defs[n.Name].(*types.Func); ok {
					declFile[fn], decls[fn] = name, n
				}
			case *ast.InterfaceType:
				for _, m := range n.Methods.List {
					for _, id := range m.Names {
						if fn, ok := info.Defs[id].(*types.Func); ok {
							declFile[fn] = name
						}
					}
				}
			}
			return true
		})
	}
	// The references each function makes to the package's own functions.
	refs := map[*types.Func][]site{}
	for fn, d := range decls {
		if d.Body == nil {
			continue
		}
		ast.Inspect(d.Body, func(n ast.Node) bool {
			id, ok := n.(*ast.Ident)
			if !ok {
				return true
			}
			callee, ok := info.Uses[id].(*types.Func)
			if !ok || callee.Pkg() != pkg {
				return true
			}
			refs[fn] = append(refs[fn], site{pos: fset.Position(id.Pos()), caller: fn.FullName(), callee: callee.Origin()})
			return true
		})
	}
	implementers := func(m *types.Func) []*types.Func {
		recv := m.Type().(*types.Signature).Recv()
		if recv == nil {
			return []*types.Func{m}
		}
		iface, ok := recv.Type().Underlying().(*types.Interface)
		if !ok {
			return []*types.Func{m}
		}
		if named, ok := types.Unalias(recv.Type()).(*types.Named); ok && named.Obj().Exported() {
			return nil // the caller's seam (Client, Listener): the call leaves the engine
		}
		var out []*types.Func
		for fn := range decls {
			r := fn.Type().(*types.Signature).Recv()
			if r == nil || fn.Name() != m.Name() {
				continue
			}
			if types.Implements(r.Type(), iface) {
				out = append(out, fn)
			}
		}
		return out
	}
	upload := pkg.Scope().Lookup("Uploader").Type()
	start, _, _ := types.LookupFieldOrMethod(types.NewPointer(upload), false, pkg, "Upload")
	reach := map[*types.Func]bool{}
	queue := []*types.Func{start.(*types.Func)}
	for len(queue) > 0 {
		fn := queue[0]
		queue = queue[1:]
		if reach[fn] {
			continue
		}
		reach[fn] = true
		for _, s := range refs[fn] {
			queue = append(queue, implementers(s.callee)...)
		}
	}
	var hops []site
	for fn := range reach {
		for _, s := range refs[fn] {
			from := filepath.Base(s.pos.Filename)
			if len(implementers(s.callee)) == 0 {
				continue
			}
			if declFile[s.callee] != "" && declFile[s.callee] != from && covered(from, s.pos.Line, s.pos.Column) {
				hops = append(hops, s)
			}
		}
	}
	sort.Slice(hops, func(i, j int) bool {
		a, b := hops[i].pos, hops[j].pos
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		return a.Line < b.Line || a.Line == b.Line && a.Column < b.Column
	})
	into, from := map[string]int{}, map[string]int{}
	for _, h := range hops {
		into[declFile[h.callee]]++
		from[filepath.Base(h.pos.Filename)]++ // where the path is read
	}
	printCounts(w, fmt.Sprintf("%d hops on the path of %s, into %d files:", len(hops), test, len(into)), into)
	printCounts(w, fmt.Sprintf("from %d files:", len(from)), from)
	if verbose {
		for _, h := range hops {
			fmt.Fprintf(w, "  %s:%d %s -> %s (%s)\n", filepath.Base(h.pos.Filename), h.pos.Line, short(h.caller), short(h.callee.FullName()), declFile[h.callee])
		}
	}
	return nil
}

func short(name string) string { return strings.ReplaceAll(name, pkgPath+".", "") }

// coverage runs test with a coverage profile and returns whether a
// position of a file of the package was in a block the test ran.
func coverage(test string) (func(file string, line, col int) bool, error) {
	dir, err := os.MkdirTemp("", "hops")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	prof := filepath.Join(dir, "cover.out")
	cmd := exec.Command("go", "test", "-count=1", "-covermode=set", "-coverprofile="+prof, "-run", "^"+test+"$", "./upload")
	cmd.Stderr = os.Stderr
	if out, err := cmd.Output(); err != nil {
		return nil, fmt.Errorf("go test: %v\n%s", err, out)
	}
	f, err := os.Open(prof)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	type block struct{ l0, c0, l1, c1 int }
	blocks := map[string][]block{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "mode:") {
			continue
		}
		// file.go:l0.c0,l1.c1 statements count
		colon := strings.LastIndexByte(line, ':')
		fields := strings.Fields(line[colon+1:])
		if len(fields) != 3 || fields[2] == "0" {
			continue
		}
		var b block
		if _, err := fmt.Sscanf(fields[0], "%d.%d,%d.%d", &b.l0, &b.c0, &b.l1, &b.c1); err != nil {
			return nil, fmt.Errorf("coverage profile line %q: %v", line, err)
		}
		name := filepath.Base(line[:colon])
		blocks[name] = append(blocks[name], b)
	}
	if len(blocks) == 0 {
		return nil, fmt.Errorf("test %s ran no code of package upload", test)
	}
	return func(file string, line, col int) bool {
		for _, b := range blocks[file] {
			after := line > b.l0 || line == b.l0 && col >= b.c0
			before := line < b.l1 || line == b.l1 && col <= b.c1
			if after && before {
				return true
			}
		}
		return false
	}, sc.Err()
}

// load type-checks the package's non-test files from the export data of
// its dependencies (go list -export).
func load() (*token.FileSet, *types.Package, *types.Info, []*ast.File, error) {
	out, err := exec.Command("go", "list", "-export", "-deps", "-json", "./upload").Output()
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("go list: %v", err)
	}
	type listed struct {
		ImportPath, Dir, Export string
		GoFiles                 []string
	}
	exports := map[string]string{}
	var self listed
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p listed
		if err := dec.Decode(&p); err != nil {
			return nil, nil, nil, nil, err
		}
		exports[p.ImportPath] = p.Export
		if p.ImportPath == pkgPath {
			self = p
		}
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range self.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(self.Dir, name), nil, 0)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		files = append(files, f)
	}
	lookup := func(path string) (io.ReadCloser, error) {
		if e := exports[path]; e != "" {
			return os.Open(e)
		}
		return nil, fmt.Errorf("no export data for %s", strconv.Quote(path))
	}
	conf := types.Config{Importer: importer.ForCompiler(fset, "gc", lookup)}
	info := &types.Info{Defs: map[*ast.Ident]types.Object{}, Uses: map[*ast.Ident]types.Object{}}
	pkg, err := conf.Check(pkgPath, fset, files, info)
	return fset, pkg, info, files, err
}

// printCounts prints header and then each file's count, in file order, on
// one line.
func printCounts(w io.Writer, header string, counts map[string]int) {
	fmt.Fprint(w, header)
	for _, f := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(w, " %s %d,", f, counts[f])
	}
	fmt.Fprintln(w)
}
