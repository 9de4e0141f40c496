//go:build unix

// Command echoloop is the ceiling for wsbench's echo throughput benchmark:
// the least a load generator can do on gorilla/websocket. Each of -clients
// goroutines writes one message, reads the reply, and repeats; no
// matching, no metrics beyond counting. bench/echo.sh runs it beside
// wsbench against the same server.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

func main() {
	url := flag.String("url", "", "echo endpoint, e.g. ws://127.0.0.1:8080/echo")
	clients := flag.Int("clients", 100, "concurrent connections")
	duration := flag.Duration("duration", 20*time.Second, "how long to run")
	flag.Parse()
	if *url == "" {
		fmt.Fprintln(os.Stderr, "echoloop: -url is required")
		os.Exit(2)
	}

	var msgs atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	cpu0 := cpuTime()
	deadline := start.Add(*duration)
	for i := range *clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, _, err := websocket.DefaultDialer.Dial(*url, nil)
			if err != nil {
				fmt.Fprintln(os.Stderr, "echoloop:", err)
				return
			}
			defer c.Close()
			buf := []byte(`{"id":"`)
			for seq := 1; time.Now().Before(deadline); seq++ {
				msg := strconv.AppendInt(append(buf[:7], 'v'), int64(i*1_000_000+seq), 10)
				msg = append(msg, `"}`...)
				if err := c.WriteMessage(websocket.TextMessage, msg); err != nil {
					return
				}
				if _, _, err := c.ReadMessage(); err != nil {
					return
				}
				msgs.Add(1)
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	cpu := cpuTime() - cpu0
	n := msgs.Load()
	json.NewEncoder(os.Stdout).Encode(map[string]any{
		"messages":           n,
		"seconds":            wall.Seconds(),
		"messages_per_s":     float64(n) / wall.Seconds(),
		"cpu_seconds":        cpu.Seconds(),
		"cpu_us_per_message": float64(cpu.Microseconds()) / float64(max(n, 1)),
	})
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
