//go:build unix

package runner

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// machineLimits reads this process's open-file limit (the Go runtime has
// already raised the soft limit to the hard one at start-up) and, on
// Linux, the ephemeral port range.
func machineLimits() osLimits {
	var l osLimits
	var rl syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) == nil {
		if rl.Cur < rl.Max {
			// Raise it ourselves where the runtime did not (it caps macOS).
			want := rl
			want.Cur = rl.Max
			if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want) == nil {
				rl.Cur = rl.Max
			}
		}
		l.openFiles = uint64(rl.Cur)
	}
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		f := strings.Fields(string(b))
		if len(f) == 2 {
			lo, err1 := strconv.Atoi(f[0])
			hi, err2 := strconv.Atoi(f[1])
			if err1 == nil && err2 == nil && hi >= lo {
				l.portLo, l.portHi, l.ports = lo, hi, hi-lo+1
			}
		}
	}
	return l
}
