package scenario

import (
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// profile decodes one item of clients.profiles. Its client mapping is only
// remembered here: it is laid over the scenario's client block, which may
// come later in the file, by decodeProfiles.
func (d *decoder) profile(n *yaml.Node, path string, p *Profile) {
	keys := keysOf(fieldsOf(profileType))
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "expected a profile, a mapping with keys %s, like {name: mobile, weight: 30, client: {...}}; got %s", strings.Join(keys, ", "), describe(n, n.Value))
		return
	}
	for _, kv := range d.pairs(n, path) {
		kp := join(path, kv.key.Value)
		switch kv.key.Value {
		case "name":
			d.decode(kv.val, kp, reflect.ValueOf(&p.Name).Elem())
		case "weight":
			d.decode(kv.val, kp, reflect.ValueOf(&p.Weight).Elem())
		case "client":
			d.pos[kp] = posOf(kv.val)
			d.profileClients[p] = kv.val
		default:
			d.unknownKey(kv.key, path, keys)
		}
	}
}

// decodeProfiles gives every profile a copy of the decoded client block
// and decodes the profile's own client keys onto it, so the keys it leaves
// out keep the block's values. It runs before overrides and defaults,
// which then fill each profile's client as they fill the block.
func (d *decoder) decodeProfiles(s *Scenario) {
	for i := range s.Clients.Profiles {
		p := &s.Clients.Profiles[i]
		p.Client = s.Client.clone()
		if n := d.profileClients[p]; n != nil {
			d.decode(n, profilePath(i)+".client", reflect.ValueOf(&p.Client).Elem())
		}
	}
}

func profilePath(i int) string { return fmt.Sprintf("clients.profiles[%d]", i) }

// baseOf maps a path inside a profile's client block to the same value in
// the scenario's client block ("clients.profiles[1].client.heartbeat" to
// "client.heartbeat"), and any other path to "".
func baseOf(path string) string {
	const pre, mid = "clients.profiles[", "].client"
	if !strings.HasPrefix(path, pre) {
		return ""
	}
	i := strings.Index(path, mid)
	if i < 0 {
		return ""
	}
	rest := path[i+len(mid):]
	if rest != "" && rest[0] != '.' {
		return ""
	}
	return "client" + rest
}

// written reports whether the value at path was written in the file: at
// path itself or, inside a profile's client, in the client block the
// profile inherits it from.
func (d *decoder) written(path string) bool {
	if d.set[path] {
		return true
	}
	base := baseOf(path)
	return base != "" && d.set[base]
}

// clone returns a copy of c that shares no maps, slices or pointers with
// it, so a profile's keys laid over the copy leave c alone. Compiled
// regular expressions are shared: they are immutable.
func (c Client) clone() Client {
	out := c
	out.Headers = maps.Clone(c.Headers)
	out.Subprotocols = slices.Clone(c.Subprotocols)
	out.SourceAddresses = slices.Clone(c.SourceAddresses)
	out.Reconnect.Enabled = clonePtr(c.Reconnect.Enabled)
	out.Delivery = clonePtr(c.Delivery)
	out.Network = clonePtr(c.Network)
	if c.Background != nil {
		b := *c.Background
		b.Close = clonePtr(b.Close)
		out.Background = &b
	}
	return out
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// maxProfileCycle bounds the slots after which the profile order repeats:
// ProfileOf replays up to one cycle per call.
const maxProfileCycle = 10_000

// profileNameOK reports whether name may label a profile: it becomes a
// JSON key, a metric label and part of file names in reports.
func profileNameOK(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range []byte(name) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// checkProfiles validates clients.profiles: names, weights, and every rule
// of a client block on each profile's client. It runs after the scenario's
// client block is checked, so a problem a profile only inherits is not
// reported twice (see problemAt).
func (d *decoder) checkProfiles(s *Scenario) {
	ps := s.Clients.Profiles
	if ps == nil && !d.set["clients.profiles"] {
		return
	}
	if len(ps) == 0 {
		d.problem("clients.profiles", "no profiles: list at least one, like - {name: mobile, weight: 30, client: {...}}, or remove profiles")
		return
	}
	seen := map[string]int{}
	weightsOK := true
	for i := range ps {
		p := &ps[i]
		path := profilePath(i)
		switch j, dup := seen[p.Name]; {
		case !d.written(path + ".name"):
			d.problem(path+".name", "missing name: a profile needs one, like name: mobile (it labels the profile's results)")
		case !profileNameOK(p.Name):
			d.problem(path+".name", "%q: a profile name is made of letters, digits, _, . and - (it becomes a key in the results)", p.Name)
		case dup:
			d.problem(path+".name", "%s is also named %q; names must be unique", profilePath(j), p.Name)
		default:
			seen[p.Name] = i
		}
		switch {
		case !d.written(path + ".weight"):
			weightsOK = false
			d.problem(path+".weight", "missing weight: the profile's share of the clients relative to the other profiles', like weight: 30")
		case p.Weight <= 0:
			weightsOK = false
			d.problem(path+".weight", "must be more than 0, got %g", p.Weight)
		}
		d.checkClientBlock(s, &p.Client, path+".client")
		if d.written(path + ".client.source_addresses") {
			// The process dials every profile from one set of addresses.
			d.problem(path+".client.source_addresses", "is the whole run's: set it in the scenario's client block, not in a profile")
		}
	}
	if !weightsOK {
		return
	}
	if _, err := profileCycle(ps); err != nil {
		d.problem("clients.profiles", "%v", err)
	}
}

// ProfileOf returns the index in Clients.Profiles of the profile client
// slot slot (1-based) runs with, or -1 when the scenario has no profiles.
// The order is fixed and spreads every profile evenly: of slots 1..n, for
// every n, profile i has the whole number of slots nearest its share
// n*weight/total, never a whole slot off (a 70/30 mix gives 7 and 3 of the
// first 10, and the mix holds while a ramp grows). The order repeats every
// total-of-weights slots, with the weights as whole numbers in lowest terms
// (10 for 70/30). It panics when slot is less than 1. Safe for concurrent
// use.
func (s *Scenario) ProfileOf(slot int) int {
	ps := s.Clients.Profiles
	if len(ps) == 0 {
		return -1
	}
	if slot < 1 {
		panic(fmt.Sprintf("scenario: ProfileOf(%d): client slots count from 1", slot))
	}
	w, err := profileCycle(ps)
	if err != nil { // a Scenario Load did not check
		w = roughWeights(ps)
	}
	var total int64
	for _, x := range w {
		total += x
	}
	return chairman(w, (int64(slot)-1)%total+1)
}

// ClientFor returns the client block client slot slot (1-based) runs
// with: its profile's, or the scenario's when there are no profiles. The
// caller must not change it. Safe for concurrent use.
func (s *Scenario) ClientFor(slot int) *Client {
	if i := s.ProfileOf(slot); i >= 0 {
		return &s.Clients.Profiles[i].Client
	}
	return &s.Client
}

// profileCycle returns the weights as whole numbers in lowest terms
// (70/30 and 0.7/0.3 both give 7/3), and an error when their sum, the
// length of ProfileOf's cycle, is more than maxProfileCycle.
func profileCycle(ps []Profile) ([]int64, error) {
	scale := 0.0
	for _, p := range ps {
		if !(p.Weight > 0) || math.IsInf(p.Weight, 0) {
			return nil, fmt.Errorf("every weight must be more than 0")
		}
	}
	for exp := 0; exp <= 6; exp++ {
		f := math.Pow10(exp)
		if allWhole(ps, f) {
			scale = f
			break
		}
	}
	tooFine := fmt.Errorf("the weights' ratio is too fine: the mix would repeat only after more than %d clients; round the weights, like 70 and 30", maxProfileCycle)
	if scale == 0 {
		return nil, tooFine
	}
	w := make([]int64, len(ps))
	var g int64
	for i, p := range ps {
		x := p.Weight * scale
		if x > 1<<53 { // no longer exact as a whole number
			return nil, tooFine
		}
		w[i] = int64(math.Round(x))
		g = gcd(g, w[i])
	}
	var total int64
	for i := range w {
		w[i] /= g
		total += w[i]
	}
	if total > maxProfileCycle {
		return nil, tooFine
	}
	return w, nil
}

func allWhole(ps []Profile, scale float64) bool {
	for _, p := range ps {
		x := p.Weight * scale
		if math.Abs(x-math.Round(x)) > 1e-9*math.Max(1, x) {
			return false
		}
	}
	return true
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// roughWeights approximates the weights of profiles Load did not check
// with whole numbers summing to about maxProfileCycle, so ProfileOf still
// answers.
func roughWeights(ps []Profile) []int64 {
	sum := 0.0
	for _, p := range ps {
		if p.Weight > 0 && !math.IsInf(p.Weight, 0) {
			sum += p.Weight
		}
	}
	w := make([]int64, len(ps))
	for i, p := range ps {
		w[i] = 1
		if sum > 0 && p.Weight > 0 && !math.IsInf(p.Weight, 0) {
			w[i] = max(1, int64(p.Weight/sum*maxProfileCycle))
		}
	}
	return w
}

// chairman returns the index of the weight that takes slot n (1-based,
// at most the sum of w) in Tijdeman's solution of the chairman assignment
// problem: slot by slot, among the weights whose next slot is due (taking
// it keeps their count at most B above their share), the one whose count
// would soonest fall more than B below its share. B = 1 - 1/(2(k-1)) for k
// weights, which Tijdeman proved always feasible, keeps every count of
// every prefix less than one slot from its share. The greedy "largest
// deficit first" (nginx's smooth weighted round robin) does not: it
// strays more than a slot with three or more weights. Whole numbers make
// the comparisons exact, so every platform gives the same order.
func chairman(w []int64, n int64) int {
	k := int64(len(w))
	if k == 1 {
		return 0
	}
	var total int64
	for _, x := range w {
		total += x
	}
	// B = bNum/bDen.
	bDen, bNum := 2*(k-1), 2*k-3
	counts := make([]int64, k)
	pick := 0
	for t := int64(1); t <= n; t++ {
		pick = -1
		for i, x := range w {
			// Due: taking slot t keeps counts[i]+1 <= t*x/total + B.
			if (counts[i]+1)*bDen*total > t*x*bDen+bNum*total {
				continue
			}
			// Urgency: the slot by which counts[i] must grow, at
			// (counts[i]+B)*total/x; compare the fractions crosswise.
			if pick < 0 || (counts[i]*bDen+bNum)*w[pick] < (counts[pick]*bDen+bNum)*x {
				pick = i
			}
		}
		if pick < 0 {
			pick = 0 // cannot happen (Tijdeman); keeps ProfileOf total
		}
		counts[pick]++
	}
	return pick
}
