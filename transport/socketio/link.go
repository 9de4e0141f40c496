package socketio

import "time"

// link is one Engine.IO transport under a Conn: a WebSocket (wslink) or
// HTTP long-polling (polllink). It moves Engine.IO packets and knows
// nothing of Socket.IO.
//
// read is called by one goroutine at a time (the Conn's reader, or Dial);
// send and end are called with the Conn's write lock held; abort may be
// called from any goroutine at any time.
type link interface {
	// read returns the next Engine.IO packet in dst's storage, grown when
	// too small. A text packet starts with its type byte; a binary
	// packet (an attachment) is returned whole with binary set.
	read(dst []byte) (pkt []byte, binary bool, err error)
	// send writes the text packet typ+data (none when typ is 0) followed
	// by the binary packets bins, as one unit that no other write can
	// split.
	send(typ byte, data []byte, bins [][]byte) error
	// end sends DISCONNECT packets (each without the '4') and then ends
	// the engine connection gracefully, with code and reason when the
	// transport carries them. It does not wait for the server.
	end(disconnects [][]byte, code int, reason string) error
	// setReadDeadline bounds the reads from now on: the ping deadline,
	// or the Dial's deadline during the handshake.
	setReadDeadline(t time.Time)
	// abort closes everything at once; reads then fail with an error
	// wrapping net.ErrClosed.
	abort()
	// name is the Engine.IO transport name.
	name() string
	// tryRead is read that returns ok false instead of waiting when no
	// packet has begun to arrive; a link that cannot be polled waits.
	tryRead(dst []byte) (pkt []byte, binary, ok bool, err error)
	// whenReadable calls f once, on a new goroutine, when tryRead may
	// make progress, or after abort or fire; false when the link cannot
	// be polled (f is then never called).
	whenReadable(f func()) bool
	// fire calls the function whenReadable armed now: a deadline passed.
	fire()
	// mute stops everything the link would write on its own (WebSocket
	// pong and close replies; on polling, every POST and every new
	// long-poll) for good. The Conn stops its own writes itself.
	mute()
	// reset is abort with a TCP reset where there is one connection to
	// reset.
	reset()
}
