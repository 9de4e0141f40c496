package testserver

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
)

// Event arguments stay raw JSON: the server echoes and fans out what a
// client sent without decoding it, placeholders of binary attachments
// included (they keep their numbers, and the attachments their order).
// Only the handlers that look at an argument decode it.

// placeholderKey marks an argument that holds a binary attachment.
var placeholderKey = []byte(`"_placeholder"`)

// eventArgs returns the arguments of a valid EVENT payload ["name",a,b]
// as raw text ("a,b"), or nil when there are none.
func eventArgs(data []byte) []byte {
	if len(data) < 3 || data[0] != '[' || data[1] != '"' {
		return nil
	}
	i := 2
	for ; i < len(data) && data[i] != '"'; i++ {
		if data[i] == '\\' {
			i++
		}
	}
	i = skipSpace(data, i+1)
	if i >= len(data) || data[i] != ',' {
		return nil
	}
	j := len(data)
	for j > i && isSpace(data[j-1]) {
		j--
	}
	if j <= i+1 || data[j-1] != ']' {
		return nil
	}
	return bytes.TrimSpace(data[i+1 : j-1])
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// argList splits a JSON array into its raw elements; nil if it is not
// one.
func argList(array []byte) []json.RawMessage {
	var elems []json.RawMessage
	if json.Unmarshal(array, &elems) != nil {
		return nil
	}
	return elems
}

// splitArgs splits raw arguments ("a,b") into their elements.
func splitArgs(args []byte) []json.RawMessage {
	if len(args) == 0 {
		return nil
	}
	b := make([]byte, 0, len(args)+2)
	b = append(append(append(b, '['), args...), ']')
	return argList(b)
}

// joinArgs is the raw arguments text of elems.
func joinArgs(elems []json.RawMessage) []byte {
	var b []byte
	for i, el := range elems {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, el...)
	}
	return b
}

// roomKey is the room an argument names: a string's value, anything else
// as its JSON text, and "undefined" when there is no argument (as the
// reference server's join(undefined)).
func roomKey(elems []json.RawMessage, i int) string {
	if i >= len(elems) {
		return "undefined"
	}
	var s string
	if json.Unmarshal(elems[i], &s) == nil {
		return s
	}
	return string(elems[i])
}

// bytesArg is the bytes an argument stands for, as Node's Buffer.from:
// a binary attachment, a string's UTF-8, or an array of numbers (each
// taken modulo 256). Anything else is empty.
func bytesArg(elems []json.RawMessage, i int, atts [][]byte) []byte {
	if i >= len(elems) {
		return nil
	}
	raw := elems[i]
	switch {
	case bytes.Contains(raw, placeholderKey):
		var ph struct {
			Placeholder bool `json:"_placeholder"`
			Num         int  `json:"num"`
		}
		if json.Unmarshal(raw, &ph) == nil && ph.Placeholder && ph.Num >= 0 && ph.Num < len(atts) {
			return atts[ph.Num]
		}
	case len(raw) > 0 && raw[0] == '"':
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return []byte(s)
		}
	case len(raw) > 0 && raw[0] == '[':
		var nums []any
		if json.Unmarshal(raw, &nums) == nil {
			out := make([]byte, len(nums))
			for j, n := range nums {
				if f, ok := n.(float64); ok && !math.IsNaN(f) && !math.IsInf(f, 0) {
					out[j] = byte(int64(f))
				}
			}
			return out
		}
	}
	return nil
}

// numberArg is a JSON number argument, ok false if it is not one.
func numberArg(elems []json.RawMessage, i int) (float64, bool) {
	if i >= len(elems) {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(elems[i]), 64)
	return f, err == nil
}
