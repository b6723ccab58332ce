package docs

import (
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/digestd/digestd/"

// allowedImports reads the table "Who may import whom" of ARCHITECTURE.md:
// for each package pattern, the patterns it may import.
func allowedImports(t *testing.T) map[string][]string {
	t.Helper()
	doc, err := os.ReadFile("ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(doc), "<!-- imports -->")
	table, _, ok2 := strings.Cut(table, "<!-- /imports -->")
	if !ok || !ok2 {
		t.Fatal("ARCHITECTURE.md has no <!-- imports --> table")
	}
	names := regexp.MustCompile("`([^`]+)`")
	allowed := map[string][]string{}
	for _, line := range strings.Split(table, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 4 || strings.Contains(cells[1], "---") || strings.TrimSpace(cells[1]) == "package" {
			continue
		}
		var may []string
		for _, m := range names.FindAllStringSubmatch(cells[2], -1) {
			may = append(may, m[1])
		}
		for _, m := range names.FindAllStringSubmatch(cells[1], -1) {
			allowed[m[1]] = may
		}
	}
	return allowed
}

// covers reports whether pattern names pkg: itself, or with "/*" any
// package below it.
func covers(pattern, pkg string) bool {
	if base, ok := strings.CutSuffix(pattern, "/*"); ok {
		return strings.HasPrefix(pkg, base+"/")
	}
	return pattern == pkg
}

// TestImportsPointOneWay: every package of the module imports only what
// ARCHITECTURE.md allows it, and digest/digesttest is imported by tests
// alone.
func TestImportsPointOneWay(t *testing.T) {
	allowed := allowedImports(t)
	cmd := exec.Command("go", "list", "-tags", "sqlite_fts5", "-f", "{{.ImportPath}} {{join .Imports \",\"}}", "./...")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, " ")
		pkg = strings.TrimPrefix(pkg, module)
		var rows []string
		for pattern := range allowed {
			if covers(pattern, pkg) {
				rows = append(rows, pattern)
			}
		}
		if len(rows) != 1 {
			t.Errorf("%s is in %d rows of ARCHITECTURE.md's import table %v, want one", pkg, len(rows), rows)
			continue
		}
		rules := allowed[rows[0]]
		for _, imp := range strings.Split(imports, ",") {
			dep, ok := strings.CutPrefix(imp, module)
			if !ok {
				continue
			}
			if dep == "digest/digesttest" {
				t.Errorf("%s imports %s, which is for tests", pkg, dep)
				continue
			}
			if !slices.ContainsFunc(rules, func(p string) bool { return covers(p, dep) }) {
				t.Errorf("%s imports %s: ARCHITECTURE.md allows it %v", pkg, dep, rules)
			}
		}
	}
}
