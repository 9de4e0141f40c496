package chromiumtest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestOpen loads a page with a script error, a console.error and an
// external request, and checks that Open reports each, returns the DOM as
// the script left it and takes a screenshot.
func TestOpen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	page := filepath.Join(dir, "page.html")
	html := `<!doctype html><html><head><title>t</title>
<link rel="stylesheet" href="http://127.0.0.1:9/missing.css">
</head><body><p id="p">before</p>
<svg data-chart="c" width="100" height="50"><polyline points="0,0 10,10 20,5"/></svg>
<script>
document.getElementById("p").textContent = "after";
console.error("boom", 42);
nosuchfunction();
</script></body></html>`
	if err := os.WriteFile(page, []byte(html), 0o600); err != nil {
		t.Fatal(err)
	}
	p := Visit(t, page, Options{Timeout: 60 * time.Second, Width: 400, Height: 300,
		Script: `[...document.querySelectorAll("svg[data-chart] polyline")].map(l => l.points.numberOfItems)`})
	if !strings.Contains(p.DOM, `<p id="p">after</p>`) {
		t.Errorf("DOM is not the one after scripts ran:\n%s", p.DOM)
	}
	all := strings.Join(p.ConsoleErrors, "\n")
	for _, want := range []string{"console.error: boom 42", "nosuchfunction is not defined"} {
		if !strings.Contains(all, want) {
			t.Errorf("console errors lack %q:\n%s", want, all)
		}
	}
	if len(p.Requests) != 1 || !strings.Contains(p.Requests[0], "missing.css") {
		t.Errorf("requests = %q, want the stylesheet", p.Requests)
	}
	var counts []int
	if err := json.Unmarshal(p.ScriptResult, &counts); err != nil || len(counts) != 1 || counts[0] != 3 {
		t.Errorf("script result %s (%v), want [3]", p.ScriptResult, err)
	}
	if !bytes.HasPrefix(p.Screenshot, []byte("\x89PNG")) {
		t.Errorf("screenshot is not a PNG (%d bytes)", len(p.Screenshot))
	}
}

// TestClean checks that a page without problems reports none.
func TestClean(t *testing.T) {
	t.Parallel()
	page := filepath.Join(t.TempDir(), "ok.html")
	if err := os.WriteFile(page, []byte(`<!doctype html><title>ok</title><p>fine</p><script>console.log("hi")</script>`), 0o600); err != nil {
		t.Fatal(err)
	}
	p := Visit(t, page, Options{NoScreenshot: true, Media: "print"})
	if len(p.ConsoleErrors) > 0 || len(p.Requests) > 0 {
		t.Errorf("errors %q, requests %q; want none", p.ConsoleErrors, p.Requests)
	}
	if p.Screenshot != nil {
		t.Error("screenshot taken with NoScreenshot")
	}
}

func TestFindHonoursBinaryEnv(t *testing.T) {
	t.Setenv(BinaryEnv, filepath.Join(t.TempDir(), "nope"))
	if _, err := Find(); err == nil || !strings.Contains(err.Error(), BinaryEnv) {
		t.Errorf("Find with a missing %s: %v", BinaryEnv, err)
	}
}
