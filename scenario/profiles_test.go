package scenario

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

const profilesBase = `target: embedded
duration: 10s
client:
  headers: {Authorization: Bearer x}
  heartbeat: {interval: 5s}
  reconnect: {enabled: false, max_delay: 4s}
  queue: {max: 10}
steps: [connect]
clients:
  count: 10
  profiles:
`

func TestProfilesInherit(t *testing.T) {
	s := parse(t, profilesBase+`    - name: desktop
      weight: 70
    - name: mobile
      weight: 30
      client:
        network: {offline_every: 1m, offline_for: 5s}
    - name: tablet
      weight: 1
      client:
        headers: {X-Device: tablet}
        heartbeat: {timeout: 2s}
        reconnect: {initial_delay: 1s}
        subprotocols: [v2]
`)
	base := s.Client
	wantHB := Heartbeat{Mode: HeartbeatPing, Interval: sec(5), Timeout: Duration(DefaultHeartbeatTimeout)}
	if base.Heartbeat != wantHB || base.Network != nil || base.Queue.Max != 10 {
		t.Fatalf("base client = %+v", base)
	}
	desktop, mobile, tablet := &s.Clients.Profiles[0].Client, &s.Clients.Profiles[1].Client, &s.Clients.Profiles[2].Client
	if !reflect.DeepEqual(*desktop, base) {
		t.Errorf("a profile without client keys differs from the client block:\n%+v\n%+v", *desktop, base)
	}
	// Only network set: everything else is the block's, defaults included.
	if mobile.Heartbeat != wantHB || !reflect.DeepEqual(mobile.Headers, base.Headers) || mobile.Queue != base.Queue ||
		mobile.Reconnect.On() || mobile.Reconnect.MaxDelay != sec(4) || mobile.HandshakeTimeout != Duration(DefaultHandshakeTimeout) {
		t.Errorf("mobile client = %+v", *mobile)
	}
	if n := mobile.Network; n == nil || *n != (Network{Every{sec(60)}, Sleep{sec(5), sec(5)}, NetworkSilent}) {
		t.Errorf("mobile network = %+v", n)
	}
	// Mappings merge key by key, headers name by name; lists replace.
	if want := map[string]string{"Authorization": "Bearer x", "X-Device": "tablet"}; !reflect.DeepEqual(tablet.Headers, want) {
		t.Errorf("tablet headers = %v, want %v", tablet.Headers, want)
	}
	if tablet.Heartbeat.Interval != sec(5) || tablet.Heartbeat.Timeout != sec(2) {
		t.Errorf("tablet heartbeat = %+v, want interval 5s from the block, timeout 2s", tablet.Heartbeat)
	}
	if r := tablet.Reconnect; r.InitialDelay != sec(1) || r.MaxDelay != sec(4) || r.On() || r.Multiplier != DefaultReconnectMultiplier {
		t.Errorf("tablet reconnect = %+v", r)
	}
	if len(base.Subprotocols) != 0 || !reflect.DeepEqual(tablet.Subprotocols, []string{"v2"}) {
		t.Errorf("subprotocols: block %v, tablet %v", base.Subprotocols, tablet.Subprotocols)
	}
	if len(base.Headers) != 1 {
		t.Errorf("the tablet's headers leaked into the block's: %v", base.Headers)
	}
	// Changing a profile's client after load leaves the block alone.
	mobile.Headers["Authorization"] = "changed"
	*mobile.Reconnect.Enabled = true
	if s.Client.Headers["Authorization"] != "Bearer x" || s.Client.Reconnect.On() || desktop.Headers["Authorization"] != "Bearer x" {
		t.Error("a profile's client shares its headers or reconnect.enabled with the client block or another profile")
	}
}

// fill sets every field reachable from v to a non-zero value, allocating
// pointers, maps and slices, so a new field is covered without editing
// the test.
func fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.Type() == reflect.TypeFor[*regexp.Regexp]() {
			v.Set(reflect.ValueOf(regexp.MustCompile("x")))
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i))
			}
		}
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k)
		fill(e)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(s.Index(0))
		v.Set(s)
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(1)
	case reflect.Float64:
		v.SetFloat(1)
	default:
		panic("fill: " + v.Type().String())
	}
}

// shared returns the path of a pointer, map or slice a and b share.
func shared(a, b reflect.Value, path string) string {
	switch a.Kind() {
	case reflect.Pointer:
		if a.Type() == reflect.TypeFor[*regexp.Regexp]() {
			return "" // immutable: sharing it is fine
		}
		if a.Pointer() == b.Pointer() {
			return path
		}
		return shared(a.Elem(), b.Elem(), path)
	case reflect.Map, reflect.Slice:
		if a.Pointer() == b.Pointer() {
			return path
		}
	case reflect.Struct:
		for i := range a.NumField() {
			if p := shared(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); p != "" {
				return p
			}
		}
	}
	return ""
}

func TestClientCloneSharesNothing(t *testing.T) {
	var c Client
	fill(reflect.ValueOf(&c).Elem())
	cp := c.clone()
	if !reflect.DeepEqual(c, cp) {
		t.Fatalf("clone differs:\n%+v\n%+v", c, cp)
	}
	if p := shared(reflect.ValueOf(c), reflect.ValueOf(cp), "Client"); p != "" {
		t.Errorf("clone shares %s with the original", p)
	}
}

func TestProfileProblems(t *testing.T) {
	tests := []problemCase{
		{
			name: "a profile's client rule, at its position",
			yaml: profilesBase + "    - {name: a, weight: 1, client: {heartbeat: {interval: 0s}}}\n",
			want: "bad.yaml:12:59: clients.profiles[0].client.heartbeat.interval: must be more than 0, e.g. 30s (or set mode: off)",
		},
		{
			name: "names and weights",
			yaml: profilesBase + "    - {weight: 1}\n    - {name: a b, weight: 0}\n    - {name: c, weight: -1}\n    - {name: c}\n",
			want: "bad.yaml:12:7: clients.profiles[0].name: missing name: a profile needs one, like name: mobile (it labels the profile's results)\n" +
				`bad.yaml:13:14: clients.profiles[1].name: "a b": a profile name is made of letters, digits, _, . and - (it becomes a key in the results)` + "\n" +
				"bad.yaml:13:27: clients.profiles[1].weight: must be more than 0, got 0\n" +
				"bad.yaml:14:25: clients.profiles[2].weight: must be more than 0, got -1\n" +
				"bad.yaml:15:7: clients.profiles[3].weight: missing weight: the profile's share of the clients relative to the other profiles', like weight: 30\n" +
				`bad.yaml:15:14: clients.profiles[3].name: clients.profiles[2] is also named "c"; names must be unique`,
		},
		{
			name: "shapes",
			yaml: profilesBase + "    - mobile\n    - {name: a, wieght: 1}\n",
			// The typo stands for the missing weight.
			want: `bad.yaml:12:7: clients.profiles[0]: expected a profile, a mapping with keys name, weight, client, like {name: mobile, weight: 30, client: {...}}; got "mobile"` + "\n" +
				`bad.yaml:13:17: clients.profiles[1]: unknown key "wieght" (did you mean "weight"?)`,
		},
		{
			name: "empty list",
			yaml: strings.TrimSuffix(profilesBase, "\n") + " []\n",
			want: "bad.yaml:11:13: clients.profiles: no profiles: list at least one, like - {name: mobile, weight: 30, client: {...}}, or remove profiles",
		},
		{
			// The block's bad values are reported once, at the block,
			// not again for every profile that inherits them.
			name: "inherited problems reported once",
			yaml: strings.Replace(profilesBase, "heartbeat: {interval: 5s}", "heartbeat: {interval: 0s, timeout: soon}", 1) +
				"    - {name: a, weight: 1, client: {network: {offline_every: 1m, offline_for: 1s}}}\n    - {name: b, weight: 1}\n",
			want: "bad.yaml:5:25: client.heartbeat.interval: must be more than 0, e.g. 30s (or set mode: off)\n" +
				`bad.yaml:5:38: client.heartbeat.timeout: expected a duration like "5s", got "soon"`,
		},
		{
			// A rule between two values fails in the profile alone: it is
			// the profile's, located at what the profile wrote.
			name: "a rule broken by the profile's value",
			yaml: profilesBase + "    - name: a\n      weight: 1\n      client:\n        reconnect: {initial_delay: 5s}\n        network: {mode: reset}\n",
			want: "bad.yaml:15:20: clients.profiles[0].client.reconnect.max_delay: max_delay 4s is less than initial_delay 5s\n" +
				"bad.yaml:16:18: clients.profiles[0].client.network.offline_every: missing offline_every: the mean time between offline periods, like offline_every: 2m\n" +
				"bad.yaml:16:18: clients.profiles[0].client.network.offline_for: missing offline_for: how long each offline period lasts, like offline_for: 10s or {min: 1s, max: 30s}",
		},
		{
			name: "socketio rules on a profile",
			yaml: "protocol: socketio\n" + strings.Replace(profilesBase, "  heartbeat: {interval: 5s}\n", "", 1) + "    - {name: a, weight: 1, client: {heartbeat: {interval: 1s}, compression: true}}\n",
			want: "bad.yaml:12:48: clients.profiles[0].client.heartbeat: Socket.IO's heartbeat is the server's ping (pingInterval, pingTimeout); remove clients.profiles[0].client.heartbeat (socketio.answer_pings: false makes clients stop answering)\n" +
				"bad.yaml:12:77: clients.profiles[0].client.compression: not supported with protocol socketio yet; remove it",
		},
		{
			name: "source addresses in a profile",
			yaml: profilesBase + "    - {name: a, weight: 1, client: {source_addresses: [127.0.0.2]}}\n",
			want: "bad.yaml:12:55: clients.profiles[0].client.source_addresses: is the whole run's: set it in the scenario's client block, not in a profile",
		},
		{
			name: "weights too fine",
			yaml: profilesBase + "    - {name: a, weight: 1}\n    - {name: b, weight: 0.00001}\n",
			want: "bad.yaml:12:5: clients.profiles: the weights' ratio is too fine: the mix would repeat only after more than 10000 clients; round the weights, like 70 and 30",
		},
	}
	checkProblems(t, tests)
}

func TestProfilesKeptByClientsFlag(t *testing.T) {
	s, err := Parse("p.yaml", []byte(profilesBase+"    - {name: a, weight: 1}\n    - {name: b, weight: 1}\n"), Overrides{Clients: 3, LookupEnv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	if s.Clients.Count != 3 || len(s.Clients.Profiles) != 2 || s.Clients.Profiles[1].Name != "b" {
		t.Errorf("clients = %+v", s.Clients)
	}
}

// checkPrefixes fails unless, for every prefix of slots 1..n, each
// profile's count is within one slot of its exact share.
func checkPrefixes(t *testing.T, s *Scenario, slots int) {
	t.Helper()
	total := 0.0
	for _, p := range s.Clients.Profiles {
		total += p.Weight
	}
	counts := make([]int, len(s.Clients.Profiles))
	for n := 1; n <= slots; n++ {
		counts[s.ProfileOf(n)]++
		for i, p := range s.Clients.Profiles {
			share := float64(n) * p.Weight / total
			if math.Abs(float64(counts[i])-share) >= 1-1e-9 {
				t.Fatalf("weights %v: of slots 1..%d profile %d has %d, its share is %.3f", weights(s), n, i, counts[i], share)
			}
		}
	}
}

func weights(s *Scenario) []float64 {
	var w []float64
	for _, p := range s.Clients.Profiles {
		w = append(w, p.Weight)
	}
	return w
}

func withWeights(w ...float64) *Scenario {
	s := &Scenario{}
	for i, x := range w {
		s.Clients.Profiles = append(s.Clients.Profiles, Profile{Name: fmt.Sprint(i), Weight: x})
	}
	return s
}

func TestProfileOfPrefixes(t *testing.T) {
	sets := [][]float64{
		{70, 30}, {0.7, 0.3}, {1}, {1, 1, 1}, {60, 25, 15}, {33.3, 66.7}, {0.5, 0.25, 0.125, 0.125},
		{1, 99}, {2.5, 1},
		// Smooth weighted round robin ("largest deficit first") strays
		// more than a slot here: 1.23 slots.
		{1, 85, 85, 1, 3, 3, 1},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 40 {
		w := make([]float64, 2+r.IntN(6))
		for i := range w {
			w[i] = float64(1 + r.IntN(200))
		}
		sets = append(sets, w)
	}
	for _, w := range sets {
		s := withWeights(w...)
		cycle, err := profileCycle(s.Clients.Profiles)
		if err != nil {
			t.Fatalf("%v: %v", w, err)
		}
		var period int64
		for _, x := range cycle {
			period += x
		}
		checkPrefixes(t, s, int(3*period)+7)
	}
	s := withWeights(70, 30)
	var got []int
	for n := 1; n <= 10; n++ {
		got = append(got, s.ProfileOf(n))
	}
	// Pinned: the same scenario must give the same mix in every version.
	if fmt.Sprint(got) != "[0 1 0 0 0 1 0 0 1 0]" {
		t.Errorf("70/30 order of slots 1..10 = %v", got)
	}
}

func TestProfileOfAndClientFor(t *testing.T) {
	s := parse(t, profilesBase+"    - {name: a, weight: 3}\n    - {name: b, weight: 1, client: {queue: {max: 2}}}\n")
	for slot := 1; slot <= 8; slot++ {
		i := s.ProfileOf(slot)
		if c := s.ClientFor(slot); c != &s.Clients.Profiles[i].Client {
			t.Errorf("ClientFor(%d) is not profile %d's client", slot, i)
		}
	}
	if s.ProfileOf(3) != 1 || s.ClientFor(3).Queue.Max != 2 || s.ClientFor(7).Queue.Max != 2 || s.ClientFor(1).Queue.Max != 10 {
		t.Errorf("slots 1..8 take %v", []int{s.ProfileOf(1), s.ProfileOf(2), s.ProfileOf(3), s.ProfileOf(4)})
	}
	none := parse(t, valid)
	if none.ProfileOf(1) != -1 || none.ClientFor(7) != &none.Client {
		t.Error("without profiles: want -1 and the client block")
	}
	defer func() {
		if recover() == nil {
			t.Error("ProfileOf(0) did not panic")
		}
	}()
	s.ProfileOf(0)
}

func BenchmarkProfileOf(b *testing.B) {
	s := withWeights(70, 20, 10)
	for i := range b.N {
		s.ProfileOf(i + 1)
	}
}
