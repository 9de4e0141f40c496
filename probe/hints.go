package probe

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wsbench/wsbench/report"
)

// interestingHeaders are shown with a refusal, in this order.
var interestingHeaders = []string{"Retry-After", "WWW-Authenticate", "Server", "Location"}

// statusHint explains a refused upgrade's status, using the response
// headers that sharpen the advice.
func statusHint(status int, h http.Header) string {
	hint := report.StatusHint(status) // the words a run's summary uses
	ok := hint != ""
	switch {
	case status >= 300 && status < 400:
		hint = "a redirect: WebSocket clients do not follow redirects"
		if loc := h.Get("Location"); loc != "" {
			hint += "; probe " + redactTarget(loc) + " instead"
		}
	case !ok && status >= 500:
		hint = "the server or a proxy in front of it failed"
	case !ok:
		hint = "the server does not accept this upgrade"
	}
	if ra := h.Get("Retry-After"); ra != "" {
		hint += " (Retry-After: the server asks to wait " + retryAfter(ra, time.Now()) + ")"
	}
	if wa := h.Get("WWW-Authenticate"); wa != "" && status == http.StatusUnauthorized {
		hint += fmt.Sprintf(" (the server asks for %q)", wa)
	}
	return hint
}

// retryAfter reads a Retry-After value, seconds or an HTTP date, as a
// duration for people.
func retryAfter(v string, now time.Time) string {
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
		return (time.Duration(s) * time.Second).String()
	}
	if t, err := http.ParseTime(v); err == nil {
		return "until " + t.UTC().Format(time.RFC1123) + " (" + t.Sub(now).Round(time.Second).String() + ")"
	}
	return strconv.Quote(v)
}

// refusal builds the Failure of an upgrade answered with an HTTP error
// status, and its timeline line.
func refusal(tl *timeline, status int, h http.Header, body []byte) *Failure {
	f := &Failure{
		Stage:  StageRefused,
		Status: status,
		Error:  fmt.Sprintf("upgrade refused: HTTP %d %s", status, http.StatusText(status)),
		Reason: statusHint(status, h),
	}
	var detail []string
	for _, k := range interestingHeaders {
		if v := h.Get(k); v != "" {
			if f.Header == nil {
				f.Header = map[string]string{}
			}
			f.Header[k] = redactHeader(k, v)
			detail = append(detail, k+": "+f.Header[k])
		}
	}
	if len(body) > 512 {
		body = body[:512]
	}
	f.Body = string(body)
	if len(body) > 0 {
		detail = append(detail, "body (first 512 bytes):")
		for _, line := range strings.Split(strings.TrimRight(printable(body), "\n"), "\n") {
			detail = append(detail, "  "+line)
		}
	} else {
		detail = append(detail, "body: empty")
	}
	detail = append(detail, "usually: "+f.Reason)
	tl.add(KindRefused, fmt.Sprintf("upgrade refused: %d %s", status, http.StatusText(status)), detail...)
	return f
}

// printable replaces control characters other than newlines and tabs, so
// a binary body cannot garble the terminal.
func printable(b []byte) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || r >= ' ' && r != 0x7f {
			return r
		}
		if r == '\r' {
			return -1
		}
		return '.'
	}, string(b))
}
