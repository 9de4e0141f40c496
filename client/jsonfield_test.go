package client

import (
	"encoding/json"
	"testing"
)

func TestJSONField(t *testing.T) {
	tests := []struct {
		data, field, want string
		ok                bool
	}{
		{`{"id":"42"}`, "id", "42", true},
		{`{"id":42}`, "id", "42", true},
		{` { "type" : "chat" , "id" : "a-1" } `, "id", "a-1", true},
		{`{"nested":{"id":"inner"},"id":"outer"}`, "id", "outer", true},
		{`{"list":[1,{"id":2},"]"],"id":3}`, "id", "3", true},
		{`{"s":"a \"quoted\" }","id":"x"}`, "id", "x", true},
		{`{"id":"with \"escape\""}`, "id", `with \"escape\"`, true},
		{`{"id":null}`, "id", "null", true},
		{`{"id":{"a":1}}`, "id", `{"a":1}`, true},
		{`{"ids":"1"}`, "id", "", false},
		{`{"x":1}`, "id", "", false},
		{`["id",1]`, "id", "", false},
		{`not json`, "id", "", false},
		{`{"id"`, "id", "", false},
		{`{"id":`, "id", "", false},
		{`{"id":"unterminated`, "id", "", false},
		{``, "id", "", false},
	}
	for _, tt := range tests {
		got, ok := jsonField([]byte(tt.data), tt.field)
		if ok != tt.ok || string(got) != tt.want {
			t.Errorf("jsonField(%q, %q) = %q, %v; want %q, %v", tt.data, tt.field, got, ok, tt.want, tt.ok)
		}
	}
}

func TestJSONFieldDoesNotAllocate(t *testing.T) {
	data := []byte(`{"type":"chat","id":"1234","vu":7,"body":"abcdefghijklmnop"}`)
	if n := testing.AllocsPerRun(100, func() { jsonField(data, "id") }); n != 0 {
		t.Fatalf("jsonField allocates %v times per call", n)
	}
}

// FuzzJSONField checks the scanner never panics and agrees with
// encoding/json on the top-level string fields of valid objects.
func FuzzJSONField(f *testing.F) {
	f.Add([]byte(`{"id":"1","x":[1,2,{"y":"}"}]}`), "id")
	f.Add([]byte(`{"a":{"b":"c"}}`), "a")
	f.Fuzz(func(t *testing.T, data []byte, field string) {
		got, ok := jsonField(data, field)
		var m map[string]json.RawMessage
		if json.Unmarshal(data, &m) != nil || !ok {
			return
		}
		raw, has := m[field]
		if !has {
			return // duplicate keys or escaped key names: the scanner is lenient
		}
		var s string
		if json.Unmarshal(raw, &s) == nil && !containsEscape(raw) && string(got) != s {
			t.Fatalf("jsonField(%q, %q) = %q, encoding/json says %q", data, field, got, s)
		}
	})
}

func containsEscape(b []byte) bool {
	for _, c := range b {
		if c == '\\' {
			return true
		}
	}
	return false
}
