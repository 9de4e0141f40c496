package runner

import (
	"testing"
)

func TestSegmentShares(t *testing.T) {
	for _, c := range []struct {
		g     Segment
		total int
		share int
		slots []int
	}{
		{Segment{}, 7, 7, []int{1, 2, 3}},
		{Segment{1, 3}, 7, 3, []int{1, 4, 7}},
		{Segment{2, 3}, 7, 2, []int{2, 5, 8}},
		{Segment{3, 3}, 7, 2, []int{3, 6, 9}},
		{Segment{3, 3}, 2, 0, nil},
	} {
		if got := c.g.share(c.total); got != c.share {
			t.Errorf("%+v share(%d) = %d, want %d", c.g, c.total, got, c.share)
		}
		for n, want := range c.slots {
			if got := c.g.slot(n + 1); got != want {
				t.Errorf("%+v slot(%d) = %d, want %d", c.g, n+1, got, want)
			}
		}
	}
	// The segments of a split cover every slot once.
	total, seen := 10, map[int]int{}
	for i := 1; i <= 4; i++ {
		g := Segment{i, 4}
		for n := 1; n <= g.share(total); n++ {
			seen[g.slot(n)]++
		}
	}
	for s := 1; s <= total; s++ {
		if seen[s] != 1 {
			t.Fatalf("slot %d run %d times over 4 segments: %v", s, seen[s], seen)
		}
	}
}
