package probe

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// SchemaVersion is the version of the JSON lines WriteEventJSON and
// WriteResultJSON write; it changes when a field changes meaning or goes
// away, not when one is added.
const SchemaVersion = 1

// timeWidth is the width of the time column of the text timeline.
const timeWidth = 10

// WriteEventText writes e as a timeline line: the time since the start,
// the text, and each detail line indented under it.
func WriteEventText(w io.Writer, e Event) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%*s  %s\n", timeWidth, "+"+e.At.String(), e.Text)
	for _, d := range e.Detail {
		fmt.Fprintf(&b, "%*s  %s\n", timeWidth, "", d)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteResultText writes a short summary of r, for after the timeline.
func WriteResultText(w io.Writer, r *Result) error {
	var b strings.Builder
	b.WriteString("\n")
	if !r.Opened {
		f := r.Failure
		if f == nil {
			f = &Failure{Stage: "unknown", Reason: "the connection did not open"}
		}
		fmt.Fprintf(&b, "NOT OPENED (%s): %s\n", f.Stage, f.Reason)
		if f.Fix != "" {
			fmt.Fprintf(&b, "  fix: %s\n", f.Fix)
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	t := r.Timings
	steps := []string{}
	if t.DNS > 0 {
		steps = append(steps, "DNS "+t.DNS.String())
	}
	steps = append(steps, "TCP "+t.Connect.String())
	if t.TLS > 0 {
		steps = append(steps, "TLS "+t.TLS.String())
	}
	if r.Protocol == "socketio" {
		steps = append(steps, "Engine.IO open "+t.Upgrade.String(), "namespace "+t.Namespace.String())
	} else {
		steps = append(steps, "upgrade "+t.Upgrade.String())
	}
	fmt.Fprintf(&b, "OPENED in %s (%s)\n", t.Open, strings.Join(steps, ", "))
	if r.FirstMessage != nil {
		fmt.Fprintf(&b, "  first message %s after open\n", r.FirstMessage)
	} else {
		b.WriteString("  first message: none while waiting\n")
	}
	if len(r.Pings) > 0 {
		var lo, hi Duration
		n := 0
		for _, p := range r.Pings {
			if p.RTT == nil {
				continue
			}
			if n == 0 || *p.RTT < lo {
				lo = *p.RTT
			}
			if *p.RTT > hi {
				hi = *p.RTT
			}
			n++
		}
		if n > 0 {
			fmt.Fprintf(&b, "  pings: %d of %d answered, round trip %s to %s\n", n, len(r.Pings), lo, hi)
		} else {
			fmt.Fprintf(&b, "  pings: none of %d answered\n", len(r.Pings))
		}
	}
	if e := r.End; e != nil {
		how := e.How
		if e.Code != 0 && e.How == EndServerClose {
			how = fmt.Sprintf("%s %d", e.How, e.Code)
		}
		if e.SocketIOReason != "" {
			how += " (" + e.SocketIOReason + ")"
		}
		fmt.Fprintf(&b, "  ended: %s after %s open: %s\n", how, e.AfterOpen, e.Meaning)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteEventJSON writes e as one JSON line with "type":"event".
func WriteEventJSON(w io.Writer, e Event) error {
	return writeLine(w, struct {
		Type string `json:"type"`
		Event
	}{"event", e})
}

// WriteResultJSON writes r as one JSON line with "type":"result" and
// "schema_version".
func WriteResultJSON(w io.Writer, r *Result) error {
	return writeLine(w, struct {
		Type          string `json:"type"`
		SchemaVersion int    `json:"schema_version"`
		*Result
	}{"result", SchemaVersion, r})
}

func writeLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
