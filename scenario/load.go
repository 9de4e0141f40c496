package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

// Overrides are command-line values that replace the file's (flags
// --clients, --duration, --target). A zero field keeps the file's value.
type Overrides struct {
	// Clients replaces clients with {count: Clients}, keeping its profiles.
	// The run length is then
	// Duration if given, else the file's duration (or clients.duration),
	// else the sum of the file's stages.
	Clients int
	// Duration replaces duration; it needs a count population (the file's
	// clients.count, or Clients) or a constant arrival rate (it then
	// replaces clients.duration).
	Duration time.Duration
	// Target replaces target.
	Target string
	// Seed replaces seed (0 keeps the file's).
	Seed int64
	// Thresholds are added to the file's, each like "rtt.p99 < 50ms".
	Thresholds []string
	// LookupEnv expands ${VAR}; nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
}

// Load reads the scenario file at path; see Parse.
func Load(path string, o Overrides) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data, o)
}

// Parse decodes, completes and validates a scenario file. file names it in
// problems and anchors relative paths (client.tls.ca_file). When the file is
// bad the error is Problems, listing every problem found, sorted by position.
func Parse(file string, data []byte, o Overrides) (*Scenario, error) {
	lookup := o.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	d := newDecoder(file, lookup)
	s := &Scenario{File: file}
	if root := d.parseYAML(data); root != nil {
		d.decode(root, "", reflect.ValueOf(s).Elem())
		d.decodeProfiles(s)
		if !d.tooBig { // else the decoded values are cut short
			d.applyOverrides(s, o)
			d.applyDefaults(s)
			d.validate(s)
		}
	}
	if len(d.probs) > 0 {
		d.probs.sort()
		return nil, d.probs
	}
	return s, nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseYAML returns the root node of the single YAML document in data, or
// nil after recording why there is none.
func (d *decoder) parseYAML(data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.addf(Pos{}, "", "the file is empty; a scenario needs at least target, clients and steps")
		} else {
			d.syntaxError(err)
		}
		return nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		d.syntaxError(err)
		return nil
	default:
		d.addf(Pos{Line: next.Line, Col: next.Column}, "", "a second YAML document; a scenario file holds one (remove the ---)")
		return nil
	}
	root := &doc
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		root = doc.Content[0]
	}
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		d.addf(posOf(root), "", "the file is empty; a scenario needs at least target, clients and steps")
		return nil
	}
	d.pos[""] = posOf(root)
	return root
}

// parserProblems are the problems yaml.v3's parser (as opposed to its
// scanner) reports; see syntaxError.
var parserProblems = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// syntaxError records a YAML syntax error at the line yaml.v3 names.
func (d *decoder) syntaxError(err error) {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		if parserProblems[m[2]] {
			line++ // yaml.v3 numbers the lines of parser (not scanner) errors from 0
		}
		d.addf(Pos{Line: line}, "", "YAML syntax error: %s", m[2])
		return
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	d.addf(Pos{}, "", "YAML syntax error: %s", msg)
}

// RunDuration is how long the run lasts: duration for a count population,
// clients.duration for a constant arrival rate, else the sum of the stage
// durations.
func (s *Scenario) RunDuration() time.Duration {
	if len(s.Clients.Stages) == 0 {
		if s.Clients.Open() {
			return s.Clients.Duration.D()
		}
		return s.Duration.D()
	}
	var total time.Duration
	for _, st := range s.Clients.Stages {
		total += st.Duration.D()
	}
	return total
}

// MaxClients is the most clients alive at once: the count, the highest
// stage target, or the open model's max.
func (s *Scenario) MaxClients() int {
	if s.Clients.Open() {
		return s.Clients.Max
	}
	if len(s.Clients.Stages) == 0 {
		return s.Clients.Count
	}
	m := 0
	for _, st := range s.Clients.Stages {
		m = max(m, st.Target)
	}
	return m
}

// Population describes the population and run length in a few words, for
// messages: "up to 10 clients for 1m0s" or "clients arriving at 500/s for
// 1m0s, at most 20000 alive".
func (s *Scenario) Population() string {
	c := s.Clients
	if !c.Open() {
		return fmt.Sprintf("up to %d clients for %s", s.MaxClients(), s.RunDuration())
	}
	rate := c.ArrivalRate
	if len(c.Stages) > 0 {
		peak, at := c.PerSecond, c.ArrivalRate
		for _, st := range c.Stages {
			if st.PerSecond > peak || at == "" {
				peak, at = st.PerSecond, st.ArrivalRate
			}
		}
		rate = "up to " + at
	}
	return fmt.Sprintf("clients arriving at %s for %s, at most %d alive", rate, s.RunDuration(), c.Max)
}
