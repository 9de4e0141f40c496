package scenario

import (
	"strings"
	"testing"
	"time"
)

// parseOne puts value at key inside client: and returns the scenario or the
// error text.
func parseClient(t *testing.T, yaml string) (*Scenario, string) {
	t.Helper()
	s, err := Parse("s.yaml", []byte(valid+"client:\n  "+yaml+"\n"), Overrides{LookupEnv: env(map[string]string{"N": "250ms", "EMPTY": ""})})
	if err != nil {
		return nil, err.Error()
	}
	return s, ""
}

func TestDurations(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr string
	}{
		{"250ms", 250 * time.Millisecond, ""},
		{"1m30s", 90 * time.Second, ""},
		{"'2h'", 2 * time.Hour, ""},
		{"0", 0, "must be more than 0"}, // 0 is a duration; write_timeout rejects it
		{"${N}", 250 * time.Millisecond, ""},
		{"${EMPTY:-3s}", 3 * time.Second, ""},
		{"5", 0, `got 5: add a unit, e.g. "5s"`},
		{"1.5", 0, `got 1.5: add a unit, e.g. "1.5s"`},
		{"-1s", 0, `negative duration "-1s"`},
		{"fast", 0, `expected a duration like "5s", got "fast"`},
		{"[1s]", 0, `expected a duration like "5s"; got a list`},
	}
	for _, tt := range tests {
		s, err := parseClient(t, "write_timeout: "+tt.in)
		switch {
		case tt.wantErr != "":
			if !strings.Contains(err, tt.wantErr) {
				t.Errorf("%s: error %q, want it to contain %q", tt.in, err, tt.wantErr)
			}
		case err != "":
			t.Errorf("%s: %s", tt.in, err)
		case s.Client.WriteTimeout.D() != tt.want:
			t.Errorf("%s = %s, want %s", tt.in, s.Client.WriteTimeout, tt.want)
		}
	}
}

func TestSizes(t *testing.T) {
	tests := []struct {
		in      string
		want    Size
		wantErr string
	}{
		{"4096", 4096, ""},
		{"512B", 512, ""},
		{"4KiB", 4096, ""},
		{"1MB", 1_000_000, ""},
		{"2MiB", 2 << 20, ""},
		{"1GiB", 1 << 30, ""},
		{"3GB", 3_000_000_000, ""},
		{"1.5KiB", 1536, ""},
		{"'1 KB'", 1000, ""},
		{"0", 0, "must be more than 0"},
		{"4kb", 0, `expected a size like "4KiB", "1MB" or 4096, got "4kb"`},
		{"-1", 0, `or 4096, got -1`},
		{"0.5B", 0, `size "0.5B" is not a whole number of bytes`},
	}
	for _, tt := range tests {
		s, err := parseClient(t, "max_message_size: "+tt.in)
		switch {
		case tt.wantErr != "":
			if !strings.Contains(err, tt.wantErr) {
				t.Errorf("%s: error %q, want it to contain %q", tt.in, err, tt.wantErr)
			}
		case err != "":
			t.Errorf("%s: %s", tt.in, err)
		case s.Client.MaxMessageSize != tt.want:
			t.Errorf("%s = %d, want %d", tt.in, s.Client.MaxMessageSize, tt.want)
		}
	}
}

func TestExpandEnv(t *testing.T) {
	lookup := env(map[string]string{"HOST": "example.com", "EMPTY": "", "A_1": "x"})
	tests := []struct {
		in, want, missing, err string
	}{
		{in: "no refs", want: "no refs"},
		{in: "ws://${HOST}/ws", want: "ws://example.com/ws"},
		{in: "${EMPTY:-fallback}", want: "fallback"},
		{in: "${EMPTY}", want: ""},
		{in: "${UNSET:-}", want: ""},
		{in: "${UNSET:-a b}", want: "a b"},
		{in: "${A_1}${A_1}", want: "xx"},
		{in: "price $5, $$HOME", want: "price $5, $HOME"},
		{in: "$$${HOST}", want: "$example.com"},
		{in: `{"v":"{{.Random 8}}","h":"${HOST}"}`, want: `{"v":"{{.Random 8}}","h":"example.com"}`},
		{in: "{{ ${HOST} }}", want: "{{ ${HOST} }}"},
		{in: "a ${UNSET} b ${ALSO}", missing: "UNSET ALSO"},
		{in: "${HOST", err: "opens ${ without a closing }"},
		{in: "${1X}", err: "is not a variable reference"},
		{in: "${}", err: "is not a variable reference"},
	}
	for _, tt := range tests {
		got, missing, err := expandEnv(tt.in, lookup)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: err %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || strings.Join(missing, " ") != tt.missing || (tt.missing == "" && got != tt.want) {
			t.Errorf("%q = %q, missing %v, err %v; want %q, missing %q", tt.in, got, missing, err, tt.want, tt.missing)
		}
	}
}

// Numbers, booleans and keys may come from the environment too, but keys
// are never expanded.
func TestEnvInTypedValues(t *testing.T) {
	y := "target: ${TARGET:-embedded}\nclients: {count: '${N}'}\nduration: ${D}\nclient:\n  compression: ${C}\nsteps: [connect]\n"
	s, err := Parse("e.yaml", []byte(y), Overrides{LookupEnv: env(map[string]string{"N": "12", "D": "1m", "C": "true"})})
	if err != nil {
		t.Fatal(err)
	}
	if s.Target != "embedded" || s.Clients.Count != 12 || s.Duration.D() != time.Minute || !s.Client.Compression {
		t.Errorf("got target %q, count %d, duration %s, compression %v", s.Target, s.Clients.Count, s.Duration, s.Client.Compression)
	}
	_, err = Parse("e.yaml", []byte(valid+"${KEY}: 1\n"), Overrides{LookupEnv: env(map[string]string{"KEY": "seed"})})
	if err == nil || !strings.Contains(err.Error(), `unknown key "${KEY}"`) {
		t.Errorf("a key was expanded: %v", err)
	}
}
