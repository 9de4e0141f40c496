package scenario

import "slices"

// Suggest returns the candidate closest to s when it is close enough to be
// a likely typo of it (edit distance at most 2, or 1/3 of the length), else
// "".
func Suggest(s string, candidates []string) string { return suggest(s, candidates) }

// suggest is Suggest.
func suggest(s string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	limit := 2
	if l := len(s) / 3; l > limit {
		limit = l
	}
	if bestD <= limit {
		return best
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// AwaitedEvents lists the Socket.IO event names the steps wait for
// (expect_event, and emit with expect), each once, in step order.
func (s *Scenario) AwaitedEvents() []string {
	var out []string
	walkSteps(s.Steps, "", func(st *Step, _ string) {
		var name string
		switch {
		case st.ExpectEvent != nil:
			name = st.ExpectEvent.Event
		case st.Emit != nil && st.Emit.Expect != nil:
			name = st.Emit.Expect.Event
		default:
			return
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	})
	return out
}
