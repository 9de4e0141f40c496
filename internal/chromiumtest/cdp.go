package chromiumtest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// message is one DevTools protocol message in either direction: a command
// (ID, Method, Params), its response (ID, Result or Error) or an event
// (Method, Params). SessionID routes it to an attached page.
type message struct {
	ID        int             `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// conn is a DevTools connection over --remote-debugging-pipe, where every
// message is a JSON object followed by a NUL byte. Commands are sent and
// answered one at a time from the calling goroutine; events that arrive
// meanwhile go to onEvent, in order. Not safe for concurrent use.
type conn struct {
	ctx     context.Context
	w       io.Writer
	in      <-chan message
	nextID  int
	onEvent func(message)
}

// readMessages reads NUL-terminated messages from r into out until r ends
// or done is closed, then closes out. Its caller owns it and waits for it.
func readMessages(r io.Reader, out chan<- message, done <-chan struct{}) {
	defer close(out)
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		raw, err := br.ReadBytes(0)
		if err != nil {
			return
		}
		var m message
		if json.Unmarshal(raw[:len(raw)-1], &m) != nil {
			continue // not ours to judge; the command waiting for it times out
		}
		select {
		case out <- m:
		case <-done:
			return
		}
	}
}

// call sends method with params to the target of sessionID ("" for the
// browser) and decodes its result into result (when not nil).
func (c *conn) call(sessionID, method string, params, result any) error {
	c.nextID++
	id := c.nextID
	p, err := json.Marshal(params)
	if err != nil {
		return err
	}
	if params == nil {
		p = []byte("{}")
	}
	data, err := json.Marshal(message{ID: id, Method: method, SessionID: sessionID, Params: p})
	if err != nil {
		return err
	}
	if _, err := c.w.Write(append(data, 0)); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	for {
		m, err := c.next()
		if err != nil {
			return fmt.Errorf("%s: %w", method, err)
		}
		if m.ID != id {
			continue
		}
		if m.Error != nil {
			return fmt.Errorf("%s: %s (code %d)", method, m.Error.Message, m.Error.Code)
		}
		if result == nil {
			return nil
		}
		if err := json.Unmarshal(m.Result, result); err != nil {
			return fmt.Errorf("%s: decode result: %w", method, err)
		}
		return nil
	}
}

// waitUntil handles events until done reports true.
func (c *conn) waitUntil(what string, done func() bool) error {
	for !done() {
		if _, err := c.next(); err != nil {
			return fmt.Errorf("waiting for %s: %w", what, err)
		}
	}
	return nil
}

// next returns the next message, after passing it to onEvent when it is an
// event.
func (c *conn) next() (message, error) {
	select {
	case <-c.ctx.Done():
		return message{}, c.ctx.Err()
	case m, ok := <-c.in:
		if !ok {
			return message{}, errors.New("chromium closed the DevTools pipe")
		}
		if m.Method != "" && m.ID == 0 && c.onEvent != nil {
			c.onEvent(m)
		}
		return m, nil
	}
}
