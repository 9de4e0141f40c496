package client

import (
	"testing"
	"time"
)

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Initial: 200 * time.Millisecond, Max: 5 * time.Second, Multiplier: 2, Jitter: 0.2}
	tests := []struct {
		name string
		n    int
		r    float64
		want time.Duration
	}{
		{"first attempt, no jitter draw", 0, 0.5, 200 * time.Millisecond},
		{"doubles", 1, 0.5, 400 * time.Millisecond},
		{"doubles again", 4, 0.5, 3200 * time.Millisecond},
		{"capped at max", 5, 0.5, 5 * time.Second},
		{"far past the cap", 60, 0.5, 5 * time.Second},
		{"lowest jitter", 0, 0, 160 * time.Millisecond},
		{"highest jitter", 1, 0.999999, 480*time.Millisecond - 160*time.Nanosecond},
		{"jitter above the cap is capped", 5, 0.999, 5 * time.Second},
		{"jitter below the cap stays", 5, 0, 4 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := b.Delay(tt.n, tt.r); got != tt.want {
				t.Errorf("Delay(%d, %v) = %v, want %v", tt.n, tt.r, got, tt.want)
			}
		})
	}
}

func TestBackoffMultiplierOne(t *testing.T) {
	b := Backoff{Initial: time.Second, Max: time.Minute, Multiplier: 1}
	for n := range 5 {
		if got := b.Delay(n, 0.3); got != time.Second {
			t.Fatalf("Delay(%d) = %v, want a constant 1s", n, got)
		}
	}
}
