package cmd_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// serveTick is a server broadcast as a client decodes it.
type serveTick struct {
	Sender string `json:"sender"`
	Seq    int64  `json:"seq"`
	SentAt int64  `json:"sent_at"`
}

// TestServeHeartbeatAndBroadcast: --ws-ping-* drops a silent WebSocket
// client with a reset, --broadcast-* numbers ticks for WebSocket and
// Socket.IO clients alike, and /stats counts both.
func TestServeHeartbeatAndBroadcast(t *testing.T) {
	cmd, stdout, _ := start(t, "serve", "--addr", "127.0.0.1:0", "--socketio",
		"--ws-ping-interval", "100ms", "--ws-ping-timeout", "100ms",
		"--broadcast-every", "20ms", "--broadcast-event", "news")
	re := regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)
	var addr string
	waitFor(t, func() bool {
		if m := re.FindStringSubmatch(stdout.String()); m != nil {
			addr = m[1]
		}
		return addr != ""
	})
	dial := func(url string) *websocket.Conn {
		t.Helper()
		c, _, err := websocket.DefaultDialer.Dial(url, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		return c
	}

	silent := dial("ws://" + addr + "/echo")
	silent.SetPingHandler(func(string) error { return nil })
	ws := dial("ws://" + addr + "/echo") // gorilla answers pings while reading
	var last int64
	for range 15 {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		var k serveTick
		if err := json.Unmarshal(msg, &k); err != nil || k.Sender != "server" || (last != 0 && k.Seq != last+1) {
			t.Fatalf("tick %q (%v) after seq %d", msg, err, last)
		}
		last = k.Seq
	}
	ws.Close() // gone, rather than left unread to miss pongs
	for {
		if _, _, err := silent.ReadMessage(); err != nil {
			if !errors.Is(err, syscall.ECONNRESET) {
				t.Fatalf("silent client: %v, want a reset", err)
			}
			break
		}
	}

	sio := dial("ws://" + addr + "/socket.io/?EIO=4&transport=websocket")
	sio.ReadMessage() // the open packet
	sio.WriteMessage(websocket.TextMessage, []byte("40"))
	for {
		_, msg, err := sio.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(string(msg), `42["news",{"sender":"server","seq":`) {
			break
		}
	}

	var st struct {
		PingsSent     int64 `json:"pings_sent"`
		PingTimeouts  int64 `json:"ping_timeouts"`
		BroadcastSeq  int64 `json:"broadcast_seq"`
		BroadcastsOut int64 `json:"broadcasts_out"`
		SocketIO      struct {
			BroadcastsOut int64 `json:"broadcasts_out"`
		} `json:"socketio"`
	}
	resp, err := http.Get("http://" + addr + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatalf("/stats: %v: %s", err, body)
	}
	if st.PingTimeouts != 1 || st.PingsSent < 2 || st.BroadcastSeq < last || st.BroadcastsOut < 15 || st.SocketIO.BroadcastsOut < 1 {
		t.Fatalf("/stats = %s", body)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if code := waitExit(t, cmd, 5*time.Second); code != 0 {
		t.Fatalf("serve exit %d after SIGTERM", code)
	}
	for _, want := range []string{"WebSocket pings every 100ms; no pong within 100ms", `numbered broadcast every 20ms (Socket.IO event "news" to /)`} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
		}
	}
}

func TestServeRejectsBadHeartbeatAndBroadcastFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--ws-ping-interval", "-1s"}, "must not be negative"},
		{[]string{"--ws-ping-timeout", "5s"}, "--ws-ping-timeout needs --ws-ping-interval"},
		{[]string{"--broadcast-every", "-1ms"}, "--broadcast-every must not be negative"},
		{[]string{"--broadcast-event", "news"}, "--broadcast-event needs --broadcast-every"},
		{[]string{"--broadcast-every", "1s", "--broadcast-event", ""}, "--broadcast-event must not be empty"},
	} {
		r := wsbench(t, 5*time.Second, append([]string{"serve"}, tt.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("serve %v: exit %d: %s", tt.args, r.code, r.stderr)
		}
	}
}
