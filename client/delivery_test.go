package client

import (
	"strconv"
	"testing"
	"time"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
)

func TestDeliveryWindow(t *testing.T) {
	cases := []struct {
		name           string
		seqs           []uint64
		lost, dup, ooo int64
	}{
		{"in order", []uint64{1, 2, 3, 4}, 0, 0, 0},
		{"reordered", []uint64{1, 3, 2, 4}, 0, 0, 1},
		{"gap", []uint64{1, 3, 4}, 1, 0, 0},
		{"trailing gap seen at the end", []uint64{1, 2, 5}, 2, 0, 0},
		{"duplicate", []uint64{1, 2, 2, 3}, 0, 1, 0},
		{"duplicate of a reordered one", []uint64{1, 3, 2, 2}, 0, 1, 1},
		{"big jump", []uint64{1, 100}, 98, 0, 0},
		{"jump of exactly the window", []uint64{1, 65}, 63, 0, 0},
		{"older than the first seen", []uint64{5, 3, 6}, 0, 0, 1},
		{"late beyond the window", []uint64{1, 2, 3, 200, 3}, 196, 0, 1},
		{"starts late, no loss before", []uint64{40, 41}, 0, 0, 0},
		{"long run with one loss", seqRange(1, 500, 250), 1, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := metrics.NewRecorder(time.Now(), 1)
			sh := recorder{s: rec.Shard(0)}
			d := newDeliveries(&scenario.Delivery{Sender: "from", Seq: "seq", SentAt: "at"})
			now := time.UnixMilli(1_700_000_000_000)
			for _, s := range c.seqs {
				d.observe([]byte(`{"from":"7","seq":`+strconv.FormatUint(s, 10)+`,"at":1700000000000}`), now.Add(3*time.Millisecond), sh)
			}
			d.finish(sh)
			snap := rec.Snapshot(time.Now().Add(time.Second))
			got := func(c metrics.Counter) int64 { return snap.Counters[c] }
			if got(metrics.DeliveriesReceived) != int64(len(c.seqs)) || got(metrics.DeliveriesLost) != c.lost ||
				got(metrics.DeliveriesDuplicated) != c.dup || got(metrics.DeliveriesOutOfOrder) != c.ooo {
				t.Errorf("received %d lost %d dup %d out of order %d; want %d %d %d %d",
					got(metrics.DeliveriesReceived), got(metrics.DeliveriesLost), got(metrics.DeliveriesDuplicated), got(metrics.DeliveriesOutOfOrder),
					len(c.seqs), c.lost, c.dup, c.ooo)
			}
			if h := snap.Hists[metrics.Delivery]; h.TotalCount() != int64(len(c.seqs)) || h.Max() < 2900 || h.Max() > 3100 {
				t.Errorf("delivery latency: %d samples, max %d µs; want 3000 µs each", h.TotalCount(), h.Max())
			}
		})
	}
}

func TestDeliveryIgnoresUntrackedMessagesAndTellsUnits(t *testing.T) {
	rec := metrics.NewRecorder(time.Now(), 1)
	sh := recorder{s: rec.Shard(0)}
	d := newDeliveries(&scenario.Delivery{Sender: "from", Seq: "seq", SentAt: "at"})
	now := time.UnixMicro(1_700_000_000_000_000)
	d.observe([]byte(`{"type":"welcome"}`), now, sh)
	d.observe([]byte(`not json`), now, sh)
	d.observe([]byte(`{"from":1,"seq":"x"}`), now, sh)
	d.observe([]byte(`{"from":1,"seq":1,"at":1699999999999500}`), now, sh) // microseconds: 500 µs ago
	snap := rec.Snapshot(time.Now().Add(time.Second))
	if n := snap.Counters[metrics.DeliveriesReceived]; n != 1 {
		t.Fatalf("tracked %d messages, want 1", n)
	}
	if m := snap.Hists[metrics.Delivery].Max(); m < 499 || m > 501 {
		t.Errorf("latency %d µs, want 500", m)
	}
}

func seqRange(from, to, skip uint64) []uint64 {
	var s []uint64
	for i := from; i <= to; i++ {
		if i != skip {
			s = append(s, i)
		}
	}
	return s
}

// TestOwnSendsAllLost: a client whose every echo was lost counts what it
// wrote before its connection was lost, less what it never wrote, as
// lost; what it wrote afterwards may still have been on its way when it
// closed at the end.
func TestOwnSendsAllLost(t *testing.T) {
	rec := metrics.NewRecorder(time.Now(), 1)
	v := &VU{deliv: newDeliveries(&scenario.Delivery{Sender: "from", Seq: "seq", SentAt: "at"})}
	for seq := 1; seq <= 7; seq++ {
		msg := []byte(`{"from":"7","seq":` + strconv.Itoa(seq) + `,"at":1}`)
		switch seq {
		case 3:
			v.unsent(msg) // dropped from the queue, never written
		case 6:
			v.deliv.lostConnection()
			v.wrote(msg)
		default:
			v.wrote(msg)
		}
	}
	v.deliv.finish(recorder{s: rec.Shard(0)})
	if n := rec.Snapshot(time.Now()).Counters[metrics.DeliveriesLost]; n != 4 {
		t.Fatalf("lost %d, want the 4 written before the loss (1, 2, 4, 5)", n)
	}
}

// TestOwnTailInFlightAtTheEnd: the client's own messages written on its
// last connection that had not come back when it closed are not lost;
// those written before a loss are.
func TestOwnTailInFlightAtTheEnd(t *testing.T) {
	rec := metrics.NewRecorder(time.Now(), 1)
	v := &VU{deliv: newDeliveries(&scenario.Delivery{Sender: "from", Seq: "seq", SentAt: "at"})}
	msg := func(seq int) []byte { return []byte(`{"from":"7","seq":` + strconv.Itoa(seq) + `,"at":1}`) }
	for seq := 1; seq <= 10; seq++ {
		v.wrote(msg(seq))
		if seq == 6 {
			v.deliv.lostConnection() // 5 and 6 never came back: lost
		}
	}
	for _, seq := range []int{1, 2, 3, 4, 7, 8} { // 9 and 10 were on their way at the end
		v.deliv.observe(msg(seq), time.UnixMilli(2), recorder{s: rec.Shard(0)})
	}
	v.deliv.finish(recorder{s: rec.Shard(0)})
	if n := rec.Snapshot(time.Now()).Counters[metrics.DeliveriesLost]; n != 2 {
		t.Fatalf("lost %d, want 5 and 6", n)
	}
}
