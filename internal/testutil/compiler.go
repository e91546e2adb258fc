package testutil

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// Compiler is what the gc compiler says about the package in the current
// directory when built with -gcflags=-m: its inlining and escape-analysis
// decisions, one per line, as net/netip's inlining test reads them.
type Compiler struct {
	dir  string
	diag map[string][]string // "file.go:line:col" -> messages at that place
	text string
}

// BuildDiag builds the package in the test's working directory with
// go build -gcflags=-m and returns the compiler's diagnostics. The test is
// skipped when there is no go command (a test binary copied elsewhere),
// in -short mode, and on another compiler than gc.
func BuildDiag(tb testing.TB) *Compiler {
	tb.Helper()
	if testing.Short() {
		tb.Skip("skipped in -short mode: it runs go build")
	}
	if runtime.Compiler != "gc" {
		tb.Skipf("needs the gc compiler, not %s", runtime.Compiler)
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		tb.Skip("no go command to build the package with -gcflags=-m")
	}
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(goTool, "build", "-gcflags=-m", ".")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("go build -gcflags=-m: %v\n%s", err, out)
	}
	c := &Compiler{dir: dir, diag: map[string][]string{}, text: string(out)}
	for line := range strings.Lines(string(out)) {
		line = strings.TrimSpace(line)
		// "dir/file.go:12:6: message": the directory is as go build
		// found it when it compiled the package (its cache replays it).
		parts := strings.SplitN(line, ": ", 2)
		if len(parts) != 2 {
			continue
		}
		pos := filepath.Base(parts[0])
		c.diag[pos] = append(c.diag[pos], parts[1])
	}
	return c
}

// CanInline reports an error for each name (as the compiler writes it:
// "F", "T.M", "(*T).M") the compiler did not find inlinable.
func (c *Compiler) CanInline(tb testing.TB, names ...string) {
	tb.Helper()
	for _, name := range names {
		re := regexp.MustCompile(`(?m): can inline ` + regexp.QuoteMeta(name) + `( with cost \d+)?( as: .*)?$`)
		if !re.MatchString(c.text) {
			tb.Errorf("%s is not inlined any more (go build -gcflags=-m says no \"can inline %s\")", name, name)
		}
	}
}

// Escapes lists, for each function of params (named as in CanInline), the
// parameters of those listed that the compiler moves to the heap or lets
// escape to it ("leaking param: p" with no "to result"); a parameter
// that leaks only to a result, or not at all, is not listed. A function
// or parameter not found in the package's source ends the test.
func (c *Compiler) Escapes(tb testing.TB, params map[string][]string) map[string][]string {
	tb.Helper()
	pos := c.paramPositions(tb)
	got := map[string][]string{}
	for fn, ps := range params {
		for _, p := range ps {
			at, ok := pos[fn+" "+p]
			if !ok {
				tb.Fatalf("no parameter %s of %s in the package", p, fn)
			}
			for _, m := range c.diag[at] {
				if m == "leaking param: "+p || m == "moved to heap: "+p {
					got[fn] = append(got[fn], p)
				}
			}
		}
	}
	return got
}

// paramPositions maps "func param" to the parameter's position
// "file.go:line:col", for the package's non-test files.
func (c *Compiler) paramPositions(tb testing.TB) map[string]string {
	tb.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(c.dir, "*.go"))
	if err != nil {
		tb.Fatal(err)
	}
	pos := map[string]string{}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			tb.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			name := fd.Name.Name
			var fields []*ast.Field
			if fd.Recv != nil && len(fd.Recv.List) == 1 {
				r := fd.Recv.List[0]
				name = recvName(r.Type) + "." + name
				fields = append(fields, r)
			}
			fields = append(fields, fd.Type.Params.List...)
			for _, fl := range fields {
				for _, id := range fl.Names {
					p := fset.Position(id.Pos())
					pos[name+" "+id.Name] = fmt.Sprintf("%s:%d:%d", filepath.Base(p.Filename), p.Line, p.Column)
				}
			}
		}
	}
	return pos
}

// recvName writes a receiver type as the compiler does: "T" or "(*T)".
func recvName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return "(*" + recvName(t.X) + ")"
	case *ast.IndexExpr:
		return recvName(t.X)
	case *ast.Ident:
		return t.Name
	}
	return "?"
}
