// Command funclen lists the functions of the module's non-test, hand-written
// Go files that are longer than -max lines (from the func keyword to the
// closing brace), longest first, and exits 1 when there is any. Generated
// files (a "// Code generated ... DO NOT EDIT." line) and _test.go files are
// skipped.
//
//	go run ./scripts/funclen [-max 80] [dir]
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

type long struct {
	pos   string
	name  string
	lines int
}

func main() {
	maxLines := flag.Int("max", 80, "longest function allowed, in lines")
	flag.Parse()
	root := "."
	if flag.NArg() > 0 {
		root = flag.Arg(0)
	}
	found, err := scan(root, *maxLines)
	if err != nil {
		fmt.Fprintln(os.Stderr, "funclen:", err)
		os.Exit(2)
	}
	for _, f := range found {
		fmt.Printf("%s: %s is %d lines\n", f.pos, f.name, f.lines)
	}
	if len(found) > 0 {
		fmt.Fprintf(os.Stderr, "funclen: %d functions over %d lines\n", len(found), *maxLines)
		os.Exit(1)
	}
}

// scan parses every hand-written non-test .go file under root.
func scan(root string, maxLines int) ([]long, error) {
	var out []long
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		if ast.IsGenerated(f) {
			return nil
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			start, end := fset.Position(fn.Pos()), fset.Position(fn.End())
			if n := end.Line - start.Line + 1; n > maxLines {
				name := fn.Name.Name
				if fn.Recv != nil && len(fn.Recv.List) > 0 {
					name = fmt.Sprintf("(%s).%s", types(fn.Recv.List[0].Type), name)
				}
				out = append(out, long{pos: fmt.Sprintf("%s:%d", path, start.Line), name: name, lines: n})
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b long) int { return b.lines - a.lines })
	return out, err
}

// types renders a receiver type expression.
func types(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return "*" + types(t.X)
	case *ast.Ident:
		return t.Name
	case *ast.IndexExpr:
		return types(t.X)
	}
	return "?"
}
