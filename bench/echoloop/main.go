//go:build unix

// Command echoloop is the reference for wsbench's echo benchmarks: the
// least a load generator can do on gorilla/websocket. Each of -clients
// goroutines writes one message, reads the reply, and repeats; no
// matching, no metrics beyond counting. bench/echo.sh runs it beside
// wsbench against the same server.
//
// With -rate R each client instead sends R messages a second on a fixed
// timeline that starts when its connection opens (as a wsbench paced send's
// starts when the step first runs; with -stagger, client i's starts
// i/(clients*R) s after the first's, spreading the sends evenly), waits
// for each reply, and records its round trip in an
// HdrHistogram twice, as wsbench does for a paced send: from the intended
// send time ("rtt", corrected for coordinated omission) and from the
// actual write ("rtt_uncorrected"). bench/latency.sh runs it beside
// bench/latency.yaml.
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

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/gorilla/websocket"
)

func main() {
	url := flag.String("url", "", "echo endpoint, e.g. ws://127.0.0.1:8080/echo")
	clients := flag.Int("clients", 100, "concurrent connections")
	duration := flag.Duration("duration", 20*time.Second, "how long to run")
	rate := flag.Float64("rate", 0, "messages per second per client on a fixed timeline (0 = as fast as replies come)")
	stagger := flag.Bool("stagger", false, "with -rate: spread the clients' timelines evenly instead of starting each at its connect")
	flag.Parse()
	if *url == "" {
		fmt.Fprintln(os.Stderr, "echoloop: -url is required")
		os.Exit(2)
	}

	var msgs atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	rtt, raw := newHist(), newHist()
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
			myRTT, myRaw := newHist(), newHist()
			defer func() {
				mu.Lock()
				rtt.Merge(myRTT)
				raw.Merge(myRaw)
				mu.Unlock()
			}()
			var every time.Duration
			var intended time.Time
			if *rate > 0 {
				every = time.Duration(float64(time.Second) / *rate)
				intended = time.Now()
				if *stagger {
					intended = start.Add(every * time.Duration(i) / time.Duration(*clients))
				}
			}
			buf := []byte(`{"id":"`)
			for seq := 1; time.Now().Before(deadline); seq++ {
				var sent time.Time
				if every > 0 {
					if d := time.Until(intended); d > 0 {
						time.Sleep(d)
					}
					sent = time.Now()
				}
				msg := strconv.AppendInt(append(buf[:7], 'v'), int64(i*1_000_000+seq), 10)
				msg = append(msg, `"}`...)
				if err := c.WriteMessage(websocket.TextMessage, msg); err != nil {
					return
				}
				if _, _, err := c.ReadMessage(); err != nil {
					return
				}
				msgs.Add(1)
				if every > 0 {
					now := time.Now()
					myRTT.RecordValue(max(now.Sub(intended).Microseconds(), 1))
					myRaw.RecordValue(max(now.Sub(sent).Microseconds(), 1))
					intended = intended.Add(every)
				}
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	cpu := cpuTime() - cpu0
	n := msgs.Load()
	out := map[string]any{
		"messages":           n,
		"seconds":            wall.Seconds(),
		"messages_per_s":     float64(n) / wall.Seconds(),
		"cpu_seconds":        cpu.Seconds(),
		"cpu_us_per_message": float64(cpu.Microseconds()) / float64(max(n, 1)),
	}
	if *rate > 0 {
		out["rtt"], out["rtt_uncorrected"] = summary(rtt), summary(raw)
	}
	json.NewEncoder(os.Stdout).Encode(out)
}

// newHist has the geometry of wsbench's histograms: 1 µs to 1 hour,
// 3 significant digits, in microseconds.
func newHist() *hdr.Histogram { return hdr.New(1, 3_600_000_000, 3) }

// summary has the fields of a result JSON's latency entry.
func summary(h *hdr.Histogram) map[string]any {
	return map[string]any{
		"count":    h.TotalCount(),
		"min_us":   h.Min(),
		"mean_us":  h.Mean(),
		"p50_us":   h.ValueAtQuantile(50),
		"p90_us":   h.ValueAtQuantile(90),
		"p95_us":   h.ValueAtQuantile(95),
		"p99_us":   h.ValueAtQuantile(99),
		"p99_9_us": h.ValueAtQuantile(99.9),
		"max_us":   h.Max(),
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
