package scenario

import (
	"math/rand/v2"
	"testing"
)

// typicalTemplate is a message as load scenarios write them: who sends,
// a sequence number, a send time and some filler.
const typicalTemplate = `{"type":"chat","vu":{{.VU}},"seq":{{.Seq}},"sent_at":{{.UnixMilli}},"pad":"{{.Random 16}}"}`

func typicalVars() *Vars {
	return &Vars{VU: 1234, Iter: 2, Seq: 98765, Rand: rand.New(rand.NewPCG(1, 2))}
}

func BenchmarkTemplateAppend(b *testing.B) {
	tp, err := CompileTemplate(typicalTemplate, false)
	if err != nil {
		b.Fatal(err)
	}
	v := typicalVars()
	buf := tp.Append(nil, v)
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		v.Seq++
		buf = tp.Append(buf[:0], v)
	}
}

// TestTemplateAppendAllocatesNothing guards the send path: rendering into
// a buffer with room must not allocate.
func TestTemplateAppendAllocatesNothing(t *testing.T) {
	tp, err := CompileTemplate(typicalTemplate, false)
	if err != nil {
		t.Fatal(err)
	}
	v := typicalVars()
	buf := tp.Append(nil, v)
	if allocs := testing.AllocsPerRun(1000, func() {
		v.Seq++
		buf = tp.Append(buf[:0], v)
	}); allocs != 0 {
		t.Fatalf("Append allocates %v times per message", allocs)
	}
}
