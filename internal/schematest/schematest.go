// Package schematest validates documents against the JSON Schemas shipped
// in docs/, for tests: a result written by any test must match
// docs/result.schema.json, so the schema cannot drift from the code.
package schematest

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

var (
	mu       sync.Mutex
	compiled = map[string]*jsonschema.Schema{}
)

// Validate fails tb when the JSON document data does not match the schema
// in docs/<name> (e.g. "result.schema.json").
func Validate(tb testing.TB, name string, data []byte) {
	tb.Helper()
	sch := load(tb, name)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		tb.Fatalf("not JSON: %v", err)
	}
	if err := sch.Validate(inst); err != nil {
		tb.Fatalf("document does not match docs/%s:\n%v", name, err)
	}
}

// Compile returns the schema in docs/<name>, for tests that check what it
// rejects.
func Compile(tb testing.TB, name string) *jsonschema.Schema {
	tb.Helper()
	return load(tb, name)
}

func load(tb testing.TB, name string) *jsonschema.Schema {
	tb.Helper()
	mu.Lock()
	defer mu.Unlock()
	if s := compiled[name]; s != nil {
		return s
	}
	path := filepath.Join(repoRoot(tb), "docs", name)
	s, err := jsonschema.NewCompiler().Compile(path)
	if err != nil {
		tb.Fatalf("compile %s: %v", path, err)
	}
	compiled[name] = s
	return s
}

// repoRoot walks up from the working directory to the directory with go.mod.
func repoRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}
