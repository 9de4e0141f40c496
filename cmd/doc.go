// Package cmd is wsbench's command line: each command builds options from
// flags, calls one package and renders the result. It holds no logic of
// its own and is the only place that decides exit codes and calls
// os.Exit (through main).
//
// One file per command: run.go, validate.go, serve.go, probe.go, compare.go, merge.go,
// schema.go, init.go; root.go
// holds the root command, exit codes and the GC setting; progress.go the
// live line.
package cmd
