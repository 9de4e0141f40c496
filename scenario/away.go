package scenario

import (
	"reflect"
	"slices"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// Away periods: client.network, client.background and the offline and
// background steps. Decoding, defaults and rules live together here because
// the three share their time forms and their modes.

var networkModes = []string{NetworkSilent, NetworkReset}

// every decodes a mean time between random events: a duration ("2m") or
// {mean: 2m}, which names the statistic for readers who expect a fixed
// period.
func (d *decoder) every(n *yaml.Node, path string, e *Every) {
	switch n.Kind {
	case yaml.ScalarNode:
		if x, ok := d.duration(n, path); ok {
			e.Mean = x
		}
	case yaml.MappingNode:
		d.structure(n, path, reflect.ValueOf(e).Elem())
	default:
		d.fail(n, path, `expected a duration like "2m" or {mean: 2m}; got %s`, describe(n, ""))
	}
}

// awayKey is the key only one of the two away steps takes.
var awayKey = map[StepKind]string{StepOffline: "mode", StepBackground: "close"}

// away decodes an offline or background step: a duration, short for
// {for: DURATION}, or a mapping with for and the step's own key (mode for
// offline, close for background).
func (d *decoder) away(n *yaml.Node, path string, kind StepKind, a *Away) {
	if n.Kind == yaml.ScalarNode {
		d.set[path+".for"] = true
		d.pos[path+".for"] = posOf(n)
		d.decode(n, path+".for", reflect.ValueOf(&a.For).Elem())
		return
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "expected %s; got %s", stepExamples[string(kind)], describe(n, ""))
		return
	}
	own := awayKey[kind]
	keys := []string{"for", own}
	timeHinted := false
	for _, p := range d.pairs(n, path) {
		k := p.key.Value
		kp := join(path, k)
		switch k {
		case "for":
			d.decode(p.val, kp, reflect.ValueOf(&a.For).Elem())
		case own:
			if kind == StepOffline {
				d.decode(p.val, kp, reflect.ValueOf(&a.Mode).Elem())
			} else {
				d.decode(p.val, kp, reflect.ValueOf(&a.Close).Elem())
			}
		case "mode":
			d.fail(p.key, kp, "mode is the offline step's (how the network goes: silent or reset); going to the background closes the connection or not: write close: true or close: false")
		case "close":
			d.fail(p.key, kp, "close is the background step's; an offline network does not close the connection, it goes silent or is reset: write mode: silent or mode: reset")
		case "min", "max", "duration":
			if !timeHinted {
				timeHinted = true
				d.fail(p.key, path, "write the time under for: - %s: {for: {min: 2s, max: 10s}}", kind)
			}
		default:
			d.unknownKey(p.key, path, keys)
		}
	}
}

// checkNetwork validates a client block's network at prefix.network.
func (d *decoder) checkNetwork(n *Network, prefix string) {
	p := prefix + ".network"
	d.checkMean(n.OfflineEvery, p+".offline_every", "the mean time between offline periods, like offline_every: 2m", "2m")
	d.checkPeriod(n.OfflineFor, p+".offline_for", "how long each offline period lasts, like offline_for: 10s or {min: 1s, max: 30s}")
	d.checkNetworkMode(n.Mode, p+".mode")
}

// checkBackground validates a client block's background at prefix.background.
func (d *decoder) checkBackground(b *Background, prefix string) {
	p := prefix + ".background"
	d.checkMean(b.Every, p+".every", "the mean time between trips to the background, like every: 5m", "5m")
	d.checkPeriod(b.For, p+".for", "how long the app stays in the background, like for: 30s or {min: 5s, max: 2m}")
}

// checkAway validates an offline or background step at path.
func (d *decoder) checkAway(a *Away, kind StepKind, path string) {
	what := "how long the network is gone, like {for: 5s}"
	if kind == StepBackground {
		what = "how long the app stays in the background, like {for: 30s}"
	}
	d.checkPeriod(a.For, path+".for", what)
	if kind == StepOffline {
		d.checkNetworkMode(a.Mode, path+".mode")
	}
}

func (d *decoder) checkNetworkMode(mode, path string) {
	if !slices.Contains(networkModes, mode) {
		d.problem(path, "unknown mode %q%s; valid: %s", mode, didYouMean(mode, networkModes), strings.Join(networkModes, ", "))
	}
}

// checkMean checks the mean time at path: required, more than 0.
func (d *decoder) checkMean(e Every, path, what, example string) {
	switch {
	case e.Mean > 0:
	case !d.written(path):
		d.problem(path, "missing %s: %s", lastKey(path), what)
	case d.typoUnder(path, "mean"):
	default:
		d.problem(path, "must be more than 0, like %s", example)
	}
}

// checkPeriod checks the length of away periods at path: required, and
// more than 0, since a period of 0 would take the client away for nothing.
// The decoder already checked that min is not more than max.
func (d *decoder) checkPeriod(s Sleep, path, what string) {
	switch {
	case s.Min > 0:
	case !d.written(path):
		d.problem(path, "missing %s: %s", lastKey(path), what)
	case d.written(path + ".min"):
		d.problem(path+".min", "must be more than 0: an away period of 0 is none")
	default:
		d.problem(path, "must be more than 0: an away period of 0 is none")
	}
}

// awayStepDefaults fills what an offline or background step leaves out
// from the scenario's client block: the network's mode, the background's
// close, else their defaults. Profiles do not change a step's values: the
// steps are the same list for every client.
func awayStepDefaults(st *Step, base *Client) {
	a := st.Away
	switch st.Kind {
	case StepOffline:
		if a.Mode != "" {
			return
		}
		a.Mode = DefaultNetworkMode
		if n := base.Network; n != nil && slices.Contains(networkModes, n.Mode) {
			a.Mode = n.Mode // a bad one is reported at the client block alone
		}
	case StepBackground:
		if a.Close != nil {
			return
		}
		closes := DefaultBackgroundClose
		if b := base.Background; b != nil {
			closes = b.Closes()
		}
		a.Close = &closes
	}
}
