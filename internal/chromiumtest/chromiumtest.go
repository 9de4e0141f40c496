package chromiumtest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Options says how to open a page. A zero field means its default.
type Options struct {
	// Width and Height are the viewport in CSS pixels; default 1280 x 900.
	// The screenshot covers the whole page whatever its height.
	Width, Height int
	// Timeout bounds the whole visit, Chromium's start included; default 60 s.
	Timeout time.Duration
	// Media emulates a CSS media type, such as "print", before the page
	// loads; default: the screen.
	Media string
	// Script, when set, is a JavaScript expression evaluated once the page
	// has loaded; its value, as JSON, is Page.ScriptResult. A promise is
	// awaited.
	Script string
	// NoScreenshot skips the screenshot, which is the slow part.
	NoScreenshot bool
	// ShotHeight, when above 0, cuts the screenshot to the top ShotHeight
	// pixels of the page (a README picture); default the whole page.
	ShotHeight int
}

// Page is what Open saw.
type Page struct {
	// ConsoleErrors lists, in order, uncaught exceptions, console.error and
	// console.assert calls, and errors the browser logged (a resource that
	// failed to load, a blocked request).
	ConsoleErrors []string
	// Requests lists the URLs the page requested other than the file itself
	// and data: URLs. A self-contained page requests none.
	Requests []string
	// DOM is document.documentElement.outerHTML after the load event.
	DOM string
	// ScriptResult is Options.Script's value as JSON; nil without a script.
	ScriptResult json.RawMessage
	// Screenshot is a PNG of the whole page; nil with NoScreenshot.
	Screenshot []byte
}

// maxShotHeight bounds the screenshot; Chromium refuses textures larger
// than 16384 pixels on a side.
const maxShotHeight = 16384

// Visit is Open for a test: it requires Chromium (see Require), bounds the
// visit by the test's context and fails the test on error, with Chromium's
// own output.
func Visit(tb testing.TB, path string, o Options) *Page {
	tb.Helper()
	bin := Require(tb)
	p, err := Open(tb.Context(), bin, path, o)
	if err != nil {
		tb.Fatalf("chromium: %v", err)
	}
	return p
}

// Open loads the local file at path in a fresh headless Chromium (bin),
// waits for its load event and one animation frame, and returns what it
// saw. Chromium is stopped and awaited before Open returns.
func Open(ctx context.Context, bin, path string, o Options) (*Page, error) {
	if o.Width <= 0 {
		o.Width = 1280
	}
	if o.Height <= 0 {
		o.Height = 900
	}
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, err
	}
	pageURL := (&url.URL{Scheme: "file", Path: abs}).String()
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()

	profile, err := os.MkdirTemp("", "wsbench-chromium")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(profile)
	b, err := start(bin, profile)
	if err != nil {
		return nil, err
	}
	graceful := false
	defer func() { b.stop(graceful) }()

	page := &Page{}
	loaded := false
	c := &conn{ctx: ctx, w: b.cmdW, in: b.in, onEvent: func(m message) {
		if m.Method == "Page.loadEventFired" {
			loaded = true
		}
		page.record(m, pageURL)
	}}
	err = visit(c, pageURL, o, page, &loaded)
	if err != nil {
		if out := strings.TrimSpace(b.stderr.String()); out != "" {
			err = fmt.Errorf("%w\nchromium's output:\n%s", err, clipText(out, 4000))
		}
		return nil, err
	}
	graceful = c.call("", "Browser.close", nil, nil) == nil // stop kills it anyway
	return page, nil
}

// visit drives one page through the protocol.
func visit(c *conn, pageURL string, o Options, page *Page, loaded *bool) error {
	var target struct {
		TargetID string `json:"targetId"`
	}
	if err := c.call("", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		return err
	}
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	if err := c.call("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached); err != nil {
		return err
	}
	sid := attached.SessionID
	for _, m := range []string{"Runtime.enable", "Log.enable", "Page.enable", "Network.enable"} {
		if err := c.call(sid, m, nil, nil); err != nil {
			return err
		}
	}
	if err := c.call(sid, "Emulation.setDeviceMetricsOverride", map[string]any{
		"width": o.Width, "height": o.Height, "deviceScaleFactor": 1, "mobile": false}, nil); err != nil {
		return err
	}
	if o.Media != "" {
		if err := c.call(sid, "Emulation.setEmulatedMedia", map[string]any{"media": o.Media}, nil); err != nil {
			return err
		}
	}
	var nav struct {
		ErrorText string `json:"errorText"`
	}
	if err := c.call(sid, "Page.navigate", map[string]any{"url": pageURL}, &nav); err != nil {
		return err
	}
	if nav.ErrorText != "" {
		return fmt.Errorf("navigate to %s: %s", pageURL, nav.ErrorText)
	}
	if err := c.waitUntil("the load event", func() bool { return *loaded }); err != nil {
		return err
	}
	// One frame after load: layout is done and any requestAnimationFrame
	// work of the page's scripts has run.
	if _, err := evaluate(c, sid, `new Promise(r => requestAnimationFrame(() => setTimeout(r, 50)))`); err != nil {
		return err
	}
	dom, err := evaluate(c, sid, `document.documentElement.outerHTML`)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(dom, &page.DOM); err != nil {
		return fmt.Errorf("read the DOM: %w", err)
	}
	if o.Script != "" {
		if page.ScriptResult, err = evaluate(c, sid, o.Script); err != nil {
			return fmt.Errorf("script: %w", err)
		}
	}
	if o.NoScreenshot {
		return nil
	}
	var metrics struct {
		Content struct{ Width, Height float64 } `json:"cssContentSize"`
	}
	if err := c.call(sid, "Page.getLayoutMetrics", nil, &metrics); err != nil {
		return err
	}
	w := math.Max(float64(o.Width), math.Ceil(metrics.Content.Width))
	h := math.Min(math.Ceil(metrics.Content.Height), maxShotHeight)
	if o.ShotHeight > 0 {
		h = math.Min(h, float64(o.ShotHeight))
	}
	var shot struct {
		Data string `json:"data"`
	}
	if err := c.call(sid, "Page.captureScreenshot", map[string]any{
		"format": "png", "captureBeyondViewport": true,
		"clip": map[string]any{"x": 0, "y": 0, "width": w, "height": h, "scale": 1},
	}, &shot); err != nil {
		return err
	}
	page.Screenshot, err = base64.StdEncoding.DecodeString(shot.Data)
	return err
}

// evaluate runs a JavaScript expression in the page and returns its value
// as JSON, awaiting a promise. An exception is an error.
func evaluate(c *conn, sid, expr string) (json.RawMessage, error) {
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		Exception *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	if err := c.call(sid, "Runtime.evaluate", map[string]any{
		"expression": expr, "returnByValue": true, "awaitPromise": true}, &res); err != nil {
		return nil, err
	}
	if e := res.Exception; e != nil {
		return nil, fmt.Errorf("%s %s", e.Text, e.Exception.Description)
	}
	return res.Result.Value, nil
}

// record keeps what an event says about the page: errors and requests.
func (p *Page) record(m message, pageURL string) {
	switch m.Method {
	case "Runtime.exceptionThrown":
		var ev struct {
			Details struct {
				Text      string `json:"text"`
				URL       string `json:"url"`
				Line      int    `json:"lineNumber"`
				Exception struct {
					Description string `json:"description"`
				} `json:"exception"`
			} `json:"exceptionDetails"`
		}
		if json.Unmarshal(m.Params, &ev) == nil {
			d := ev.Details
			p.ConsoleErrors = append(p.ConsoleErrors, fmt.Sprintf("uncaught exception at line %d: %s %s", d.Line+1, d.Text, d.Exception.Description))
		}
	case "Runtime.consoleAPICalled":
		var ev struct {
			Type string `json:"type"`
			Args []struct {
				Value       any    `json:"value"`
				Description string `json:"description"`
			} `json:"args"`
		}
		if json.Unmarshal(m.Params, &ev) == nil && (ev.Type == "error" || ev.Type == "assert") {
			var parts []string
			for _, a := range ev.Args {
				if a.Value != nil {
					parts = append(parts, fmt.Sprint(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			p.ConsoleErrors = append(p.ConsoleErrors, "console."+ev.Type+": "+strings.Join(parts, " "))
		}
	case "Log.entryAdded":
		var ev struct {
			Entry struct {
				Level, Source, Text, URL string
			} `json:"entry"`
		}
		if json.Unmarshal(m.Params, &ev) == nil && ev.Entry.Level == "error" {
			e := ev.Entry
			p.ConsoleErrors = append(p.ConsoleErrors, fmt.Sprintf("%s: %s %s", e.Source, e.Text, e.URL))
		}
	case "Network.requestWillBeSent":
		var ev struct {
			Request struct {
				URL string `json:"url"`
			} `json:"request"`
		}
		if json.Unmarshal(m.Params, &ev) == nil {
			u := ev.Request.URL
			if u != pageURL && !strings.HasPrefix(u, "data:") && u != "about:blank" {
				p.Requests = append(p.Requests, u)
			}
		}
	}
}

// browser is a running Chromium and the parent's ends of its pipe.
type browser struct {
	cmd    *exec.Cmd
	cmdW   *os.File // commands to Chromium (its fd 3)
	resR   *os.File // responses and events from Chromium (its fd 4)
	in     chan message
	done   chan struct{}
	reader sync.WaitGroup
	exited chan struct{}
	stderr syncBuffer
}

// start runs Chromium headless with its DevTools pipe and a profile of its
// own, in a process group of its own so that stop ends its helpers too.
func start(bin, profile string) (*browser, error) {
	cmdR, cmdW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	resR, resW, err := os.Pipe()
	if err != nil {
		cmdR.Close()
		cmdW.Close()
		return nil, err
	}
	b := &browser{cmdW: cmdW, resR: resR, in: make(chan message, 64), done: make(chan struct{}), exited: make(chan struct{})}
	b.cmd = exec.Command(bin,
		"--headless", "--remote-debugging-pipe", "--user-data-dir="+profile,
		// Tests often run as root in containers, where the sandbox cannot start.
		"--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--no-default-browser-check", "--disable-extensions",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-default-apps", "--hide-scrollbars", "--mute-audio", "--force-color-profile=srgb",
		"about:blank")
	b.cmd.ExtraFiles = []*os.File{cmdR, resW}
	b.cmd.Stdout, b.cmd.Stderr = &b.stderr, &b.stderr
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = b.cmd.Start()
	cmdR.Close() // the child holds its own copies
	resW.Close()
	if err != nil {
		cmdW.Close()
		resR.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() {
		_ = b.cmd.Wait()
		close(b.exited)
	}()
	b.reader.Add(1)
	go func() {
		defer b.reader.Done()
		readMessages(resR, b.in, b.done)
	}()
	return b, nil
}

// stop kills Chromium's process group, after giving it a moment to exit
// by itself when graceful (it was asked to close), and waits for it and
// for the pipe reader.
func (b *browser) stop(graceful bool) {
	if graceful {
		select {
		case <-b.exited:
		case <-time.After(3 * time.Second):
		}
	}
	_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL) // the group: renderer and GPU helpers too
	<-b.exited
	close(b.done)
	b.cmdW.Close()
	b.resR.Close()
	b.reader.Wait()
}

// syncBuffer collects Chromium's output while it writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buf.Len() > 1<<20 {
		return len(p), nil // enough to say what went wrong
	}
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
