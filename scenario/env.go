package scenario

import (
	"fmt"
	"strings"
)

// expandEnv replaces ${VAR} and ${VAR:-default} in s with values from lookup.
// "$$" is a literal "$"; any other "$" is kept as written; "{{...}}" template
// actions are copied untouched. missing lists the variables that are unset
// and have no default; err reports a malformed reference.
func expandEnv(s string, lookup func(string) (string, bool)) (out string, missing []string, err error) {
	if !strings.Contains(s, "$") {
		return s, nil, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "{{"):
			end := strings.Index(s[i:], "}}")
			if end < 0 {
				b.WriteString(s[i:])
				return b.String(), missing, nil
			}
			b.WriteString(s[i : i+end+2])
			i += end + 2
		case strings.HasPrefix(s[i:], "$$"):
			b.WriteByte('$')
			i += 2
		case strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return "", nil, fmt.Errorf("%q opens ${ without a closing }; write $$ for a literal $", clip(s[i:]))
			}
			ref := s[i+2 : i+end]
			name, def, hasDef := strings.Cut(ref, ":-")
			if !validEnvName(name) {
				return "", nil, fmt.Errorf("${%s} is not a variable reference: write ${NAME} or ${NAME:-default} (letters, digits and _), or $$ for a literal $", ref)
			}
			v, ok := lookup(name)
			switch {
			case hasDef && (!ok || v == ""):
				v = def
			case !ok:
				missing = append(missing, name)
			}
			b.WriteString(v)
			i += end + 1
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String(), missing, nil
}

func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		letter := c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}
