package client

import (
	"sync"
)

// Inbox bounds: a standalone expect looks back at most this many messages
// of at most this size, so an idle or broadcast client keeps little.
const (
	inboxSlots   = 4
	inboxMaxSize = 1024
)

// inbox keeps the last few messages no expect took, so a standalone
// expect also sees a message that arrived just before its step ran, such
// as a welcome the server pushes right after the upgrade. Its storage is
// allocated on first use. Its mutex also orders the reader's "nobody waits
// for this" decision against a step registering its expect, so a message
// is never missed between the two.
type inbox struct {
	mu   sync.Mutex
	msgs *[inboxSlots + 1][]byte // nil until the first message is kept; the last is a spare for put
	head int                     // oldest
	n    int
}

// put keeps data, evicting the oldest message when full; it returns the
// evicted message, valid until the next put, or nil.
func (b *inbox) put(data []byte) (evicted []byte) {
	if b.msgs == nil {
		b.msgs = new([inboxSlots + 1][]byte)
	}
	i := (b.head + b.n) % inboxSlots
	if b.n == inboxSlots {
		i = b.head
		b.head = (b.head + 1) % inboxSlots
		// Keep the evicted message's storage aside for the caller, and
		// give its slot the spare's.
		b.msgs[i], b.msgs[inboxSlots] = b.msgs[inboxSlots], b.msgs[i]
		evicted = b.msgs[inboxSlots]
	} else {
		b.n++
	}
	b.msgs[i] = append(b.msgs[i][:0], data...)
	return evicted
}

// each calls f with every kept message, oldest first.
func (b *inbox) each(f func([]byte)) {
	for k := 0; k < b.n; k++ {
		f(b.msgs[(b.head+k)%inboxSlots])
	}
}

// take removes the oldest message match accepts and reports whether there
// was one.
func (b *inbox) take(match func([]byte) bool) bool {
	for k := 0; k < b.n; k++ {
		i := (b.head + k) % inboxSlots
		if !match(b.msgs[i]) {
			continue
		}
		// Close the gap: shift the newer messages one slot back.
		for m := k; m < b.n-1; m++ {
			a, c := (b.head+m)%inboxSlots, (b.head+m+1)%inboxSlots
			b.msgs[a], b.msgs[c] = b.msgs[c], b.msgs[a]
		}
		b.n--
		return true
	}
	return false
}
