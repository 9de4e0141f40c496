package scenario

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with a scenario file, located as precisely as
// the file allows. Pos is zero for problems with no place in the file (a bad
// command-line override, an unreadable document).
type Problem struct {
	File string
	Pos  Pos
	// Path names the value, like "client.reconnect.multiplier" or
	// "steps[1].loop.steps[0].send.expect"; empty for the file as a whole.
	Path string
	Msg  string
}

// Error formats p as "file:line:col: path: message", leaving out the parts
// that are unknown (yaml.v3 reports syntax errors by line only).
func (p Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Pos.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Pos.Line)
		if p.Pos.Col > 0 {
			fmt.Fprintf(&b, ":%d", p.Pos.Col)
		}
	}
	loc := strings.TrimPrefix(b.String(), ":")
	b.Reset()
	if loc != "" {
		b.WriteString(loc)
		b.WriteString(": ")
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Problems is every problem found in one scenario file, sorted by position.
// Parse and Load return it as their error when the file is bad.
type Problems []Problem

// Error lists the problems, one per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// sort orders ps by file position; problems at the same place keep the order
// they were found in, and problems without a position come first.
func (ps Problems) sort() {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i].Pos, ps[j].Pos
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}
