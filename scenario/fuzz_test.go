package scenario

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that Parse never panics and always returns either a
// scenario or at least one problem.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("../scenarios/*.yaml")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		valid,
		"a: &a [*a]\n",
		"steps: &s [connect, {loop: {steps: *s}}]\n",
		"<<: {target: embedded}\nclients: {<<: [{count: 1}], count: 2}\n",
		"client: {headers: {X: '${A:-${B}}'}}\n",
		"steps: [{send: {text: '{{', expect: {json_field: x}}}]\n",
		"server: {delay: {min: 1s, duration: 1s}, restart: {every: 1s}}\n",
		"- [\n",
	} {
		f.Add([]byte(s))
	}
	lookup := env(map[string]string{"A": "1"})
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data, Overrides{LookupEnv: lookup})
		if err == nil {
			if s == nil {
				t.Fatal("nil scenario and nil error")
			}
			return
		}
		var ps Problems
		if !errors.As(err, &ps) || len(ps) == 0 || err.Error() == "" {
			t.Fatalf("error %T %q is not a non-empty Problems", err, err)
		}
	})
}
