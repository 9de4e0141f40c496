//go:build !unix

package runner

// machineLimits knows no limits here: the check is skipped.
func machineLimits() osLimits { return osLimits{} }
