package cmd_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsbench/wsbench/scenario"
	"github.com/wsbench/wsbench/testserver"
)

const shippedSchema = "../docs/scenario.schema.json"

func TestSchemaCommandPrintsTheShippedSchema(t *testing.T) {
	want, err := os.ReadFile(shippedSchema)
	if err != nil {
		t.Fatal(err)
	}
	r := wsbench(t, 10*time.Second, "schema")
	if r.code != 0 || r.stdout != string(want) {
		t.Fatalf("wsbench schema: exit %d; its output differs from %s (go test ./scenario -update refreshes the file)\n%s", r.code, shippedSchema, r.stderr)
	}
	out := filepath.Join(t.TempDir(), "s.json")
	r = wsbench(t, 10*time.Second, "schema", "--out", out)
	if got, err := os.ReadFile(out); r.code != 0 || err != nil || string(got) != string(want) {
		t.Fatalf("wsbench schema --out: exit %d, %v\n%s", r.code, err, r.stderr)
	}
	if r := wsbench(t, 10*time.Second, "schema", "extra"); r.code != 2 {
		t.Errorf("wsbench schema extra: exit %d, want 2", r.code)
	}
}

// TestSchemaDefaultsOfTheEmbeddedServer: package scenario keeps copies of
// the embedded server's defaults for the schema; they must be the server's.
func TestSchemaDefaultsOfTheEmbeddedServer(t *testing.T) {
	data, err := os.ReadFile(shippedSchema)
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Defs map[string]struct {
			Properties map[string]struct {
				Default     any    `json:"default"`
				Description string `json:"description"`
			} `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	// The ping defaults are Socket.IO's only (a WebSocket server has none),
	// so the schema gives them in the description.
	for _, c := range []struct{ key, want string }{
		{"ping_interval", testserver.DefaultPingInterval.String()},
		{"ping_timeout", testserver.DefaultPingTimeout.String()},
	} {
		if d := s.Defs["Server"].Properties[c.key].Description; !strings.Contains(d, "(default "+c.want+")") {
			t.Errorf("Server.%s: the schema says %q, the embedded Socket.IO server's default is %s", c.key, d, c.want)
		}
	}
	for _, c := range []struct {
		def, key string
		want     any
	}{
		{"SocketIO", "path", testserver.DefaultSocketIOPath},
		{"SocketIO", "path", scenario.DefaultSocketIOPath},
	} {
		if got := s.Defs[c.def].Properties[c.key].Default; got != c.want {
			t.Errorf("%s.%s: the schema's default is %v, the embedded server's %v", c.def, c.key, got, c.want)
		}
	}
}
