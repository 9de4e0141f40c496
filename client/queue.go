package client

import (
	"time"

	"github.com/wsbench/wsbench/transport"
)

// queued is a message waiting for the connection to open again.
type queued struct {
	t    transport.MessageType
	data []byte
	// att are a Socket.IO packet's binary attachments, sent with it.
	att [][]byte
	at  time.Time
	// away marks a message sent while the client was away (offline or in
	// the background), for the offline.* counts.
	away bool
}

// queue is a FIFO that grows only as far as it is filled, so an idle
// client's queue costs nothing. Not safe for concurrent use; the VU's
// mutex guards it.
type queue struct {
	items []queued
	head  int
}

func (q *queue) len() int { return len(q.items) - q.head }

func (q *queue) push(it queued) { q.items = append(q.items, it) }

// pushFront puts back a message taken by pop, ahead of the others.
func (q *queue) pushFront(it queued) {
	if q.head > 0 {
		q.head--
		q.items[q.head] = it
		return
	}
	q.items = append(q.items, queued{})
	copy(q.items[1:], q.items)
	q.items[0] = it
}

func (q *queue) pop() queued {
	it := q.items[q.head]
	q.items[q.head] = queued{}
	q.head++
	switch {
	case q.head == len(q.items):
		q.items, q.head = q.items[:0], 0
	case q.head >= 64 && q.head*2 >= len(q.items):
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items, q.head = q.items[:n], 0
	}
	return it
}

// away counts the queued messages sent while the client was away.
func (q *queue) away() int {
	n := 0
	for _, it := range q.items[q.head:] {
		if it.away {
			n++
		}
	}
	return n
}

// release empties the queue and frees its storage.
func (q *queue) release() {
	q.items, q.head = nil, 0
}
