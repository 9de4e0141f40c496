package testserver_test

import (
	"fmt"
	"log"

	"github.com/gorilla/websocket"
	"github.com/wsbench/wsbench/testserver"
)

// A test starts a server on a loopback port, dials it and closes it.
func Example() {
	s := testserver.New(testserver.Config{})
	if err := s.Start("127.0.0.1:0"); err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	c, _, err := websocket.DefaultDialer.Dial(s.URL("/json"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	c.WriteMessage(websocket.TextMessage, []byte(`{"id":"req-1","client":"vu-1","seq":1}`))
	_, reply, _ := c.ReadMessage()
	fmt.Println(len(reply) > 0, s.Stats().Clients["vu-1"].InOrder)
	// Output: true 1
}

// Faults can be triggered at run time, here a close frame to every client.
func ExampleServer_CloseFraction() {
	s := testserver.New(testserver.Config{})
	if err := s.Start("127.0.0.1:0"); err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	c, _, err := websocket.DefaultDialer.Dial(s.URL("/echo"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	fmt.Println(s.CloseFraction(1, 4000, "maintenance"))
	_, _, err = c.ReadMessage()
	fmt.Println(err)
	// Output:
	// 1
	// websocket: close 4000: maintenance
}
