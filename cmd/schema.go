package cmd

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/wsbench/wsbench/scenario"
)

func newSchemaCmd() *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of scenario files, for editors",
		Long: `Print the JSON Schema (draft 2020-12) of the scenario format. wsbench
generates it from the types it decodes scenario files into, with a
description and the default of every key, so it always matches this
binary; docs/scenario.schema.json is a copy.

Editors with the YAML language server (VS Code's YAML extension, Neovim,
JetBrains, Helix...) complete and check a scenario that names the schema
on its first line:

  # yaml-language-server: $schema=scenario.schema.json

The schema checks keys, types and allowed values; wsbench validate checks
everything, including the rules between values.`,
		Example: `  # Save it next to your scenarios
  wsbench schema --out scenario.schema.json

  # Or print it
  wsbench schema > scenario.schema.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			data, err := scenario.Schema()
			if err != nil {
				return runErr(err)
			}
			if out == "" {
				_, err = cmd.OutOrStdout().Write(data)
				return err
			}
			if err := os.WriteFile(out, data, 0o644); err != nil {
				return runErr(fmt.Errorf("write the schema: %w", err))
			}
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "", "write the schema to this file instead of stdout")
	return c
}
