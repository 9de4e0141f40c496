// Command wsbench load-tests and diagnoses WebSocket and Socket.IO servers.
//
// See README.md for a quick start and docs/ for the scenario reference.
package main

import (
	"os"

	"github.com/wsbench/wsbench/cmd"
)

func main() {
	os.Exit(cmd.Execute())
}
