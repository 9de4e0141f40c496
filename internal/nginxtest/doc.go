// Package nginxtest runs nginx as a WebSocket reverse proxy inside a test, so
// that wsbench can be checked against a real proxy's idle timeout rather than
// only against our own idea of one.
//
// It owns the nginx processes it starts: each gets a configuration, logs,
// pid file and temporary directories of its own under the test's temporary
// directory, listens on 127.0.0.1 only, and is stopped (SIGTERM, then SIGKILL
// after 2 s) and awaited when the test ends; its error log is logged only if
// the test failed. It must not touch the system's nginx configuration,
// service or logs, and, like internal/nodeio, it imports package testing, so
// only tests may import it.
//
// Start here: [Start] returns a running [Proxy] in front of an upstream
// address. [Available] says whether nginx is installed (on PATH or at
// /usr/sbin/nginx); without it Start skips the test, or fails it when
// WSBENCH_REQUIRE_NGINX=1 (as in CI). Install it with `apt-get install nginx`.
package nginxtest
