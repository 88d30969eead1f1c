package etp

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// FuzzSessionReceive sends arbitrary bytes from the server in the middle of
// a request. Whatever they are, the session must not panic or hang: the
// request completes or fails, and afterwards the session either still
// answers a Ping or has ended with ErrSessionClosed.
func FuzzSessionReceive(f *testing.F) {
	seed := func(h MessageHeader, body Message) []byte {
		b, _, err := AppendMessage(nil, h, body, false)
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	// The fuzzed request is the client's second message: id 4.
	f.Add(seed(MessageHeader{CorrelationID: 4, MessageID: 3, MessageFlags: FlagFinalPart},
		&GetDataspacesResponse{Dataspaces: []Dataspace{{URI: "eml:///"}}}))
	f.Add(seed(MessageHeader{Protocol: 24, CorrelationID: 4, MessageID: 3},
		&ProtocolException{Errors: map[string]ErrorInfo{"x": {Code: 11}}}))
	f.Add(seed(MessageHeader{CorrelationID: 4, MessageID: 3, MessageFlags: FlagFinalPart}, &Chunk{Data: []byte("x")}))
	f.Add(seed(MessageHeader{MessageID: 3, MessageFlags: FlagFinalPart | FlagAcknowledgementRequested}, &Ping{}))
	f.Add(seed(MessageHeader{MessageID: 3, MessageFlags: FlagFinalPart}, &CloseSession{Reason: "bye"}))
	f.Add([]byte{})
	f.Add([]byte{0x30, 0x9a, 0x01, 0x08, 0x06, 0x04})

	var mu sync.Mutex
	var payload []byte
	p := newTestPeer(f, peerOptions{maxMessage: 64 << 10, handler: func(c *peerConn, m peerMsg) {
		if _, ok := m.body.(*GetDataspaces); ok {
			mu.Lock()
			b := payload
			mu.Unlock()
			c.sendRaw(b)
			c.reply(m, &GetDataspacesResponse{})
		}
	}})
	f.Fuzz(func(t *testing.T, raw []byte) {
		mu.Lock()
		payload = raw
		mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		s, err := Dial(ctx, p.url, &SessionOptions{RequestTimeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = s.Close(ctx) }()
		_, _ = s.GetDataspaces(ctx)
		if _, err := s.Ping(ctx); err != nil && !errors.Is(err, ErrSessionClosed) {
			t.Fatalf("after %x: Ping failed without the session ending: %v", raw, err)
		}
	})
}
