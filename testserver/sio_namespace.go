package testserver

import "sync"

// namespace is one Socket.IO namespace: its sockets and rooms. Its
// methods are safe for concurrent use; its mu is taken after a session's,
// never before.
type namespace struct {
	name string
	auth bool // CONNECT needs {"token":"secret"}

	mu      sync.RWMutex
	sockets map[string]*sioSocket              // by socket id
	rooms   map[string]map[*sioSocket]struct{} // by room name
}

func newNamespace(name string, auth bool) *namespace {
	return &namespace{
		name:    name,
		auth:    auth,
		sockets: make(map[string]*sioSocket),
		rooms:   make(map[string]map[*sioSocket]struct{}),
	}
}

// is reports whether a packet's namespace field (empty for "/") names n.
func (n *namespace) is(nsp []byte) bool {
	if len(nsp) == 0 {
		return n.name == "/"
	}
	return string(nsp) == n.name
}

func (n *namespace) add(k *sioSocket) {
	n.mu.Lock()
	n.sockets[k.id] = k
	n.mu.Unlock()
}

// remove takes k out of the namespace and its rooms. Removing twice is
// harmless.
func (n *namespace) remove(k *sioSocket) {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.sockets, k.id)
	for _, r := range k.rooms {
		members := n.rooms[r]
		delete(members, k)
		if len(members) == 0 {
			delete(n.rooms, r)
		}
	}
	k.rooms = nil
}

// join puts k in room, unless it has disconnected.
func (n *namespace) join(k *sioSocket, room string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if k.gone.Load() {
		return
	}
	members := n.rooms[room]
	if members == nil {
		members = make(map[*sioSocket]struct{})
		n.rooms[room] = members
	}
	if _, in := members[k]; !in {
		members[k] = struct{}{}
		k.rooms = append(k.rooms, room)
	}
}

// all returns the namespace's sockets.
func (n *namespace) all() []*sioSocket {
	n.mu.RLock()
	defer n.mu.RUnlock()
	out := make([]*sioSocket, 0, len(n.sockets))
	for _, k := range n.sockets {
		out = append(out, k)
	}
	return out
}

// room returns the sockets in room. As in the reference server, every
// socket is also alone in the room named by its id.
func (n *namespace) room(room string) []*sioSocket {
	n.mu.RLock()
	defer n.mu.RUnlock()
	out := make([]*sioSocket, 0, len(n.rooms[room])+1)
	for k := range n.rooms[room] {
		out = append(out, k)
	}
	if k, ok := n.sockets[room]; ok {
		if _, in := n.rooms[room][k]; !in {
			out = append(out, k)
		}
	}
	return out
}

func (n *namespace) size() int64 {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return int64(len(n.sockets))
}
