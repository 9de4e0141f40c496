package probe

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/wsbench/wsbench/report"
)

// redacted replaces a secret value in the timeline, as report.RedactURL
// does in URLs.
const redacted = "xxxxx"

// secretHeaders carry credentials whatever their value looks like.
var secretHeaders = map[string]bool{
	"authorization":       true,
	"proxy-authorization": true,
	"cookie":              true,
	"set-cookie":          true,
}

// secretWords in a header name mark its value as a secret (X-Api-Key,
// X-Auth-Token), as report's secretParams do for query parameters.
var secretWords = []string{"token", "secret", "password", "passwd", "api-key", "apikey", "auth", "session", "credential", "signature"}

// tokenLike matches a JWT (three base64url parts, the first a JSON
// object): it is a credential wherever it appears, a subprotocol or a
// query parameter with an innocent name included.
var tokenLike = regexp.MustCompile(`^eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*$`)

// redactHeader returns the value of header name as the timeline shows
// it: credentials replaced by xxxxx, keeping what helps to diagnose (the
// scheme of an Authorization, the names of cookies and their attributes).
func redactHeader(name, value string) string {
	lower := strings.ToLower(name)
	switch lower {
	case "authorization", "proxy-authorization":
		if scheme, _, ok := strings.Cut(value, " "); ok {
			return scheme + " " + redacted
		}
		return redacted
	case "cookie":
		parts := strings.Split(value, ";")
		for i, p := range parts {
			k, _, _ := strings.Cut(p, "=")
			parts[i] = k + "=" + redacted
		}
		return strings.Join(parts, ";")
	case "set-cookie":
		first, attrs, hasAttrs := strings.Cut(value, ";")
		k, _, _ := strings.Cut(first, "=")
		if hasAttrs {
			return k + "=" + redacted + ";" + attrs
		}
		return k + "=" + redacted
	case "location", "content-location", "referer":
		return redactTarget(value)
	case "sec-websocket-key", "sec-websocket-accept", "sec-websocket-version", "sec-websocket-extensions", "www-authenticate":
		return value // protocol values and challenges, never secrets
	}
	for _, w := range secretWords {
		if strings.Contains(lower, w) {
			return redacted
		}
	}
	// A token smuggled in a list (a subprotocol carrying a JWT).
	items := strings.Split(value, ",")
	changed := false
	for i, it := range items {
		if tokenLike.MatchString(strings.TrimSpace(it)) {
			items[i] = strings.Replace(it, strings.TrimSpace(it), redacted, 1)
			changed = true
		}
	}
	if changed {
		return strings.Join(items, ",")
	}
	return value
}

// RedactURL returns u as the probe prints it: report.RedactURL's
// redaction (the password, and query values whose names look secret),
// and also query values that look like tokens (JWTs) whatever their
// name. It works on request targets ("/ws?token=...") too.
func RedactURL(u string) string { return redactTarget(u) }

// redactTarget is RedactURL.
func redactTarget(target string) string {
	out := report.RedactURL(target)
	u, err := url.Parse(out)
	if err != nil || u.RawQuery == "" {
		return out
	}
	q := u.Query()
	changed := false
	for k, vs := range q {
		for i, v := range vs {
			if tokenLike.MatchString(v) {
				vs[i] = redacted
				changed = true
			}
		}
		q[k] = vs
	}
	if !changed {
		return out
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// redactSubprotocols hides subprotocols that look like tokens.
func redactSubprotocols(list []string) []string {
	out := make([]string, len(list))
	for i, p := range list {
		out[i] = p
		if tokenLike.MatchString(p) {
			out[i] = redacted
		}
	}
	return out
}
