// Package nodeio runs the official Node.js Socket.IO peer (socket.io and
// socket.io-client 4.8.x, installed under interop/socketio) so Go tests can
// check our Socket.IO client against the reference implementation and
// benchmark the two clients side by side.
//
// It owns the node processes it starts: each is stopped (SIGTERM, then
// SIGKILL after 2 s) and awaited when the test ends, and its stderr is logged
// only if the test failed. It must not talk to anything but 127.0.0.1, and,
// like internal/servertest, it imports package testing, so only tests and
// test-only tools may import it.
//
// Start here: [Start] returns a running [Server]; its handlers and the
// /stats shape are documented in interop/socketio/server.js. [Available]
// says whether node and the npm packages are installed; without them Start
// skips the test, or fails it when WSBENCH_REQUIRE_NODE=1 (as in CI).
// [RunClientBench] drives a server with the official client.
package nodeio
