package cmd

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/wsbench/wsbench/scenario"
)

// starters are the scenarios wsbench init writes: each runs as it is
// against target: embedded, names the schema on its first line and
// explains its sections.
//
//go:embed starters/*.yaml
var starters embed.FS

func newInitCmd() *cobra.Command {
	var socketio, force bool
	c := &cobra.Command{
		Use:   "init [FILE]",
		Short: "Write a commented starter scenario",
		Long: `Write a starter scenario to FILE (default scenario.yaml; - writes to
stdout). It runs as it is against the embedded test server, explains each
section in comments with pointers to docs/scenario.md, and names the JSON
Schema on its first line, so editors with the YAML language server
complete and check it: init writes that schema (this binary's, as wsbench
schema prints it) as wsbench.schema.json in the same directory, unless
one is there. An existing scenario is kept unless --force is given.

--socketio writes a Socket.IO starter instead of a WebSocket one.`,
		Example: `  # A WebSocket starter in scenario.yaml, then run it
  wsbench init
  wsbench run scenario.yaml

  # A Socket.IO starter under another name
  wsbench init --socketio chat.yaml

  # Print it
  wsbench init -`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := "starters/websocket.yaml"
			if socketio {
				name = "starters/socketio.yaml"
			}
			data, err := starters.ReadFile(name)
			if err != nil {
				return runErr(err) // embedded: cannot happen
			}
			path := "scenario.yaml"
			if len(args) == 1 {
				path = args[0]
			}
			if path == "-" {
				_, err := cmd.OutOrStdout().Write(data)
				return err
			}
			if err := writeNew(path, data, force); err != nil {
				if errors.Is(err, fs.ErrExist) {
					return usageErr(fmt.Errorf("%s exists; pick another file name or add --force to overwrite it", path))
				}
				return runErr(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s; check it with: wsbench validate %[1]s; run it with: wsbench run %[1]s\n", path)
			schemaPath := filepath.Join(filepath.Dir(path), schemaFile)
			sch, err := scenario.Schema()
			if err != nil {
				return runErr(err)
			}
			switch err := writeNew(schemaPath, sch, false); {
			case err == nil:
				fmt.Fprintf(cmd.OutOrStdout(), "wrote %s, the schema its first line names (for editor completion)\n", schemaPath)
			case errors.Is(err, fs.ErrExist):
				// Keep it: refresh it with wsbench schema --out when wsbench changes.
			default:
				return runErr(err)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&socketio, "socketio", false, "write a Socket.IO starter")
	c.Flags().BoolVar(&force, "force", false, "overwrite FILE if it exists")
	return c
}

// schemaFile is the schema init writes next to a starter; the starters'
// first line names it.
const schemaFile = "wsbench.schema.json"

// writeNew writes data to a new file at path; with force it replaces an
// existing one. Creating with O_EXCL leaves no window to clobber a file
// made in the meantime.
func writeNew(path string, data []byte, force bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
