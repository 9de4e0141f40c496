package cmd

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wsbench/wsbench/scenario"
)

func newValidateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "validate SCENARIO.yaml...",
		Short: "Check scenario files without opening any connection",
		Long: `Check scenario files: YAML syntax, unknown keys, types, values and
environment variables. Every problem is listed as file:line:col with a hint.
Exits 0 when all files are valid, 2 otherwise.`,
		Example: `  wsbench validate scenarios/*.yaml`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			bad := 0
			for _, path := range args {
				sc, err := scenario.Load(path, scenario.Overrides{})
				if err != nil {
					bad++
					var probs scenario.Problems
					if errors.As(err, &probs) {
						fmt.Fprintln(cmd.ErrOrStderr(), probs.Error())
					} else {
						fmt.Fprintf(cmd.ErrOrStderr(), "%s: %v\n", path, err)
					}
					continue
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: ok: %q, %s, %d steps\n",
					path, sc.Name, sc.Population(), len(sc.Steps))
			}
			if bad > 0 {
				return usageErr(fmt.Errorf("%d of %d scenario files have problems", bad, len(args)))
			}
			return nil
		},
	}
}
