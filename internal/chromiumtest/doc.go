// Package chromiumtest opens a local HTML file in headless Chromium inside a
// test and reports what a person opening it would meet: the console errors
// and uncaught exceptions its scripts raised, every request it made beyond
// the file itself (a self-contained page makes none), the DOM after its
// scripts ran, the result of a script of the test's own, and a PNG
// screenshot of the whole page.
//
// It speaks the Chrome DevTools Protocol over --remote-debugging-pipe (file
// descriptors 3 and 4), so it opens no port and needs no library. It owns
// the Chromium processes it starts: each runs in a process group of its own
// with a temporary profile, is closed through the protocol and then killed
// with its group, and is awaited before Open returns. It must not load
// anything but the file it is given; like internal/nodeio it imports package
// testing, so only tests may import it.
//
// Start here: [Open] loads a file and returns a [Page]. [Find] says where
// Chromium is (chromium on PATH or /usr/bin/chromium, as Debian installs
// it, or the file WSBENCH_CHROMIUM names); [Require] skips a test without
// it, or fails it when WSBENCH_REQUIRE_CHROMIUM=1 (as in CI). Install it
// with `apt-get install -y --no-install-recommends chromium`.
package chromiumtest
