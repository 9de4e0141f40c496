//go:build !unix

package runner

import "time"

// Without getrusage the load figures stay zero rather than guessed.
func cpuTime() time.Duration { return 0 }

func maxRSS() int64 { return 0 }
