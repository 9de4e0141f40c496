//go:build !linux

package wire

// pollState is empty where there is no poller: connections are read by a
// goroutine each, waiting in ReadMessage.
type pollState struct{}

func (s *pollState) init(*Reader)                  {}
func (s *pollState) usable() bool                  { return false }
func (s *pollState) tryFill(*Reader) (bool, error) { return true, nil }
func (s *pollState) arm(func()) bool               { return false }
func (s *pollState) fire()                         {}
func (s *pollState) stop()                         {}
func (s *pollState) abort() func()                 { return nil }
