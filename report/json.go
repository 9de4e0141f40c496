package report

import (
	"encoding/json"
	"fmt"
	"io"
)

// WriteJSON writes s as the versioned result document (docs/result.md).
func WriteJSON(w io.Writer, s *Summary) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // thresholds read "rtt.p99 < 50ms", not "\u003c"

	return enc.Encode(s)
}

// ReadJSON reads a result document written by WriteJSON. It rejects a
// document of another schema version with a message saying which.
func ReadJSON(r io.Reader) (*Summary, error) {
	var s Summary
	if err := json.NewDecoder(r).Decode(&s); err != nil {
		return nil, fmt.Errorf("read result: %w", err)
	}
	if s.SchemaVersion != SchemaVersion {
		return nil, fmt.Errorf("result has schema version %d; this wsbench reads version %d", s.SchemaVersion, SchemaVersion)
	}
	return &s, nil
}
