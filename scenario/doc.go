// Package scenario owns the scenario file: a strict YAML decode that reports
// every problem at once as file:line:col, the defaults, the validation rules
// and the message templates. Load (or Parse) is the only way in; what it
// returns is complete and valid, so the runner and the clients never check
// a scenario again.
//
// It must not open sockets, start goroutines or know how a scenario is run.
//
// Start reading at load.go (Load, Parse, Overrides), then decode.go (the
// yaml.Node walker that records positions), validate*.go (the rules) and
// defaults.go (every default value, documented in docs/scenario.md).
package scenario
