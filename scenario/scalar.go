package scenario

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

// text returns the value of scalar n with ${VAR} references expanded (in
// string values only, never in keys). ok is false, and the problem
// recorded, when n is not a scalar or a reference cannot be expanded; want
// names the expected value for the message.
func (d *decoder) text(n *yaml.Node, path, want string) (s string, ok bool) {
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "expected %s; got %s", want, describe(n, ""))
		return "", false
	}
	if n.ShortTag() != "!!str" {
		return n.Value, true
	}
	s, missing, err := expandEnv(n.Value, d.lookup)
	if err != nil {
		d.fail(n, path, "%v", err)
		return "", false
	}
	for _, name := range missing {
		d.fail(n, path, "environment variable %s is not set; export it or write ${%s:-default}", name, name)
	}
	return s, len(missing) == 0
}

// scalar decodes the plain kinds: string, whole numbers, numbers, booleans.
// Numbers are read from the text, so "${CLIENTS:-10}" works for a count.
func (d *decoder) scalar(n *yaml.Node, path string, v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		if s, ok := d.text(n, path, "a string"); ok {
			v.SetString(s)
		}
	case reflect.Int, reflect.Int64:
		s, ok := d.text(n, path, "a whole number")
		if !ok {
			return
		}
		x, err := strconv.ParseInt(s, 0, 64)
		if err != nil || v.OverflowInt(x) {
			d.fail(n, path, "expected a whole number, got %s", describe(n, s))
			return
		}
		v.SetInt(x)
	case reflect.Float64:
		s, ok := d.text(n, path, "a number")
		if !ok {
			return
		}
		x, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
			d.fail(n, path, "expected a number like 0.5, got %s", describe(n, s))
			return
		}
		v.SetFloat(x)
	case reflect.Bool:
		s, ok := d.text(n, path, "true or false")
		if !ok {
			return
		}
		switch s {
		case "true", "True", "TRUE":
			v.SetBool(true)
		case "false", "False", "FALSE":
			v.SetBool(false)
		default:
			d.fail(n, path, "expected true or false, got %s", describe(n, s))
		}
	default:
		panic("scenario: no decoder for " + v.Type().String()) // a types.go field of a new kind
	}
}

const durationExample = `expected a duration like "5s"`

// duration reads a Go duration ("250ms", "1m30s") or the plain number 0.
func (d *decoder) duration(n *yaml.Node, path string) (Duration, bool) {
	s, ok := d.text(n, path, `a duration like "5s"`)
	if !ok {
		return 0, false
	}
	if x, err := strconv.ParseFloat(s, 64); err == nil {
		switch hint := s + "s"; {
		case x == 0:
			return 0, true
		case x < 0:
			d.fail(n, path, "negative duration %s; durations must be 0 or more", s)
		default:
			if _, err := time.ParseDuration(hint); err != nil {
				hint = "5s"
			}
			d.fail(n, path, "%s, got %s: add a unit, e.g. %q", durationExample, s, hint)
		}
		return 0, false
	}
	x, err := time.ParseDuration(s)
	if err != nil {
		d.fail(n, path, "%s, got %s", durationExample, describe(n, s))
		return 0, false
	}
	if x < 0 {
		d.fail(n, path, "negative duration %q; durations must be 0 or more", s)
		return 0, false
	}
	return Duration(x), true
}

var sizeRE = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?) ?(B|KB|MB|GB|KiB|MiB|GiB)$`)

var sizeUnits = map[string]float64{
	"B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9,
	"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30,
}

// ParseSize reads a byte count: a whole number, or a number with a unit
// (KB, MB and GB are powers of 1000, KiB, MiB and GiB powers of 1024), as
// sizes are written in scenario files ("16MiB", 4096).
func ParseSize(s string) (Size, error) {
	if x, err := strconv.ParseInt(s, 10, 64); err == nil && x >= 0 {
		return Size(x), nil
	}
	m := sizeRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("expected a size like \"4KiB\", \"1MB\" or 4096, got %q (units: B, KB, MB, GB, KiB, MiB, GiB)", s)
	}
	x, _ := strconv.ParseFloat(m[1], 64)
	x *= sizeUnits[m[2]]
	if x != math.Trunc(x) || x > 1<<53 {
		return 0, fmt.Errorf("size %q is not a whole number of bytes up to 8PiB", s)
	}
	return Size(x), nil
}

// size reads a byte count where it is written (see ParseSize).
func (d *decoder) size(n *yaml.Node, path string) (Size, bool) {
	s, ok := d.text(n, path, `a size like "4KiB", "1MB" or 4096`)
	if !ok {
		return 0, false
	}
	x, err := ParseSize(s)
	if err != nil {
		if m := sizeRE.FindStringSubmatch(strings.TrimSpace(s)); m == nil {
			d.fail(n, path, `expected a size like "4KiB", "1MB" or 4096, got %s (units: B, KB, MB, GB, KiB, MiB, GiB)`, describe(n, s))
		} else {
			d.fail(n, path, "%v", err)
		}
		return 0, false
	}
	return x, true
}

// template compiles a text or binary message template where it is written,
// so template errors point at their scalar.
func (d *decoder) template(n *yaml.Node, path string, v reflect.Value) {
	s, ok := d.text(n, path, "a message template string")
	if !ok {
		return
	}
	t, err := CompileTemplate(s, lastKey(path) == "binary")
	if err != nil {
		d.fail(n, path, "%v", err)
		return
	}
	v.Set(reflect.ValueOf(t))
}
