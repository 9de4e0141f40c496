package socketio

// Mute makes the connection silent, as when the client's network goes
// away unannounced (see transport.Cutter): writes, Close and pongs send
// nothing and report success, WebSocket pings and close frames go
// unanswered, and server pings neither push the ping deadline out nor
// reach the ping handler, so ReadMessage ends with ErrPingTimeout once
// pingInterval+pingTimeout has passed since the last ping before the cut.
// Packets that still arrive are returned as usual. After the read fails,
// the network connection stays open until Abort or Reset. On polling no
// request is started any more: a pending long-poll is still read, and
// then the reader waits for the ping deadline. Call it after Dial.
func (c *Conn) Mute() {
	c.muted.Store(true)
	c.link.mute()
}

// Reset is Abort with a TCP reset (RST) instead of a FIN on WebSocket; on
// polling, which has no single TCP connection to reset, it is Abort.
func (c *Conn) Reset() error {
	c.aborted.Store(true)
	c.link.reset()
	return nil
}

// release closes the network connection after the reader failed, unless
// the connection is muted: a cut path tells the server nothing, so the
// connection stays open until the caller's Abort or Reset.
func (c *Conn) release() {
	if !c.muted.Load() {
		c.link.abort()
	}
}
