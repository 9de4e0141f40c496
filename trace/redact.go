package trace

import (
	"net/url"
	"regexp"
	"strings"
)

// Redacted replaces a secret value, as in the reports.
const Redacted = "xxxxx"

// secretParams are the query parameter names (as substrings, any case)
// whose values are secrets: the one list every output of wsbench uses
// (report.RedactURL calls RedactURL).
var secretParams = []string{"token", "key", "auth", "pass", "secret", "sig", "jwt", "session", "credential"}

func secretName(name string) bool {
	lower := strings.ToLower(name)
	for _, s := range secretParams {
		if strings.Contains(lower, s) {
			return true
		}
	}
	return false
}

// RedactURL hides the password and secret-looking query values of u, with
// report.RedactURL's rules.
func RedactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.User == nil && p.RawQuery == "") {
		return RedactText(u) // not a URL Go parses: redact what looks secret
	}
	if p.User != nil {
		if _, has := p.User.Password(); has {
			p.User = url.UserPassword(p.User.Username(), Redacted)
		}
	}
	q := p.Query()
	changed := false
	for name := range q {
		if secretName(name) {
			q[name] = []string{Redacted}
			changed = true
		}
	}
	if changed {
		p.RawQuery = q.Encode()
	}
	return p.String()
}

var (
	// queryParam is a name=value pair after ? or & (in a URL or a bare
	// path with a query); its value ends at &, #, a quote or a space.
	queryParam = regexp.MustCompile(`([?&])([^=&?#\s"'<>]+)=([^&#\s"'<>]*)`)
	// userinfo is the user:password@ of a URL written in text.
	userinfo = regexp.MustCompile(`(://[^/?#@\s"'<>:]*):([^/?#@\s"'<>]*)@`)
)

// RedactText hides secrets in free text such as an error message, which
// may quote the URL a request went to: URL passwords and the values of
// secret-looking query parameters, wherever they appear.
func RedactText(s string) string {
	if !strings.ContainsAny(s, "?&@") {
		return s
	}
	s = userinfo.ReplaceAllString(s, "$1:"+Redacted+"@")
	return queryParam.ReplaceAllStringFunc(s, func(m string) string {
		sub := queryParam.FindStringSubmatch(m)
		if !secretName(sub[2]) {
			return m
		}
		return sub[1] + sub[2] + "=" + Redacted
	})
}
