package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/etp-transfer/etp-transfer/etp"
)

// The raw client speaks ETP with the codec directly, so tests can send
// anything (malformed messages, wrong ids, odd flags) and see every message
// the server sends.

// testTimeout bounds every wait of a test.
const testTimeout = 20 * time.Second

type inMsg struct {
	h    etp.MessageHeader
	body etp.Message
	size int
	raw  []byte // the message as received
	err  error
}

type rawClient struct {
	t        testing.TB
	conn     *websocket.Conn
	ctx      context.Context
	cancel   context.CancelFunc
	mu       sync.Mutex
	nextID   int64
	compress bool
	in       chan inMsg
	backlog  []inMsg
	closed   chan struct{}
	closeErr error
}

// startServer runs a server on a real loopback socket for one test.
func startServer(t testing.TB, opts *Options) (*Server, string) {
	t.Helper()
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.Logger == nil {
		o.Logger = testLogger(t)
	}
	srv, err := New(&o)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		hs.Close()
		if n := srv.panics.Load(); n != 0 {
			t.Errorf("%d handler panics", n)
		}
	})
	return srv, "ws" + strings.TrimPrefix(hs.URL, "http") + "/"
}

// dialRaw connects without sending RequestSession.
func dialRaw(t testing.TB, url string, header http.Header) *rawClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	if header == nil {
		header = http.Header{}
	}
	conn, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{Subprotocol}, HTTPHeader: header})
	if err != nil {
		cancel()
		t.Fatalf("dial: %v", err)
	}
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if conn.Subprotocol() != Subprotocol {
		t.Fatalf("subprotocol %q", conn.Subprotocol())
	}
	conn.SetReadLimit(1 << 30)
	c := &rawClient{t: t, conn: conn, ctx: ctx, cancel: cancel, nextID: 2, in: make(chan inMsg, 1024), closed: make(chan struct{})}
	go c.readLoop()
	t.Cleanup(c.close)
	return c
}

func (c *rawClient) readLoop() {
	defer close(c.closed)
	for {
		_, b, err := c.conn.Read(c.ctx)
		if err != nil {
			c.closeErr = err
			return
		}
		h, body, err := etp.DecodeMessage(b, nil)
		c.in <- inMsg{h: h, body: body, size: len(b), raw: b, err: err}
	}
}

func (c *rawClient) close() {
	_ = c.conn.CloseNow()
	c.cancel()
	<-c.closed
}

// sendRaw sends bytes as one binary message.
func (c *rawClient) sendRaw(b []byte) {
	c.t.Helper()
	if err := c.conn.Write(c.ctx, websocket.MessageBinary, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// encode builds a message with the next id.
func (c *rawClient) encode(body etp.Message, corr int64, flags int32) ([]byte, int64) {
	c.t.Helper()
	c.mu.Lock()
	id := c.nextID
	c.nextID += 2
	c.mu.Unlock()
	b, _, err := etp.AppendMessage(nil, etp.MessageHeader{Protocol: int32(body.MessageProtocol()), CorrelationID: corr,
		MessageID: id, MessageFlags: flags}, body, c.compress)
	if err != nil {
		c.t.Fatalf("encode: %v", err)
	}
	return b, id
}

// send sends body with FIN and returns its id.
func (c *rawClient) send(body etp.Message) int64 {
	c.t.Helper()
	b, id := c.encode(body, 0, etp.FlagFinalPart)
	c.sendRaw(b)
	return id
}

// next returns the next message from the server (or fails the test).
func (c *rawClient) next() inMsg {
	c.t.Helper()
	if len(c.backlog) > 0 {
		m := c.backlog[0]
		c.backlog = c.backlog[1:]
		return m
	}
	select {
	case m := <-c.in:
		return m
	case <-c.closed:
		select {
		case m := <-c.in:
			return m
		default:
		}
		c.t.Fatalf("connection closed while waiting for a message: %v", c.closeErr)
	case <-time.After(testTimeout):
		c.t.Fatal("timed out waiting for a message")
	}
	return inMsg{}
}

// collect returns every message correlated to id, up to and including
// the one with FIN; others are kept for later.
func (c *rawClient) collect(id int64) []inMsg {
	c.t.Helper()
	var out []inMsg
	var keep []inMsg
	for i := 0; i < len(c.backlog); i++ {
		m := c.backlog[i]
		if m.h.CorrelationID == id {
			out = append(out, m)
			if m.h.HasFlag(etp.FlagFinalPart) && m.h.MessageType != etp.MessageTypeAcknowledge {
				c.backlog = append(keep, c.backlog[i+1:]...)
				return out
			}
			continue
		}
		keep = append(keep, m)
	}
	c.backlog = nil
	for {
		var m inMsg
		select {
		case m = <-c.in:
		case <-c.closed:
			select {
			case m = <-c.in:
			default:
				c.backlog = keep
				c.t.Fatalf("connection closed while waiting for the answer to %d (got %d parts): %v", id, len(out), c.closeErr)
			}
		case <-time.After(testTimeout):
			c.t.Fatalf("timed out waiting for the answer to %d", id)
		}
		if m.err != nil {
			c.t.Fatalf("undecodable message from the server: %v", m.err)
		}
		if m.h.CorrelationID != id {
			keep = append(keep, m)
			continue
		}
		out = append(out, m)
		if m.h.HasFlag(etp.FlagFinalPart) && m.h.MessageType != etp.MessageTypeAcknowledge {
			c.backlog = keep
			return out
		}
	}
}

// request sends body and collects the answer.
func (c *rawClient) request(body etp.Message) []inMsg {
	c.t.Helper()
	return c.collect(c.send(body))
}

// waitClosed waits until the server closes the connection and returns
// the close error.
func (c *rawClient) waitClosed() error {
	c.t.Helper()
	for {
		select {
		case <-c.closed:
			return c.closeErr
		case m := <-c.in:
			c.backlog = append(c.backlog, m)
		case <-time.After(testTimeout):
			c.t.Fatal("timed out waiting for the server to close the connection")
			return nil
		}
	}
}

func clientRequestSession(maxMsg int64, compression ...string) *etp.RequestSession {
	rs := &etp.RequestSession{
		ApplicationName:    "server-test",
		ApplicationVersion: "1",
		ClientInstanceID:   etp.NewUUID(),
		SupportedDataObjects: []etp.SupportedDataObject{
			{QualifiedType: "resqml20.*"}, {QualifiedType: "eml20.*"}, {QualifiedType: "witsml21.*"},
		},
		SupportedCompression: compression,
		SupportedFormats:     []string{"xml"},
		CurrentDateTime:      time.Now().UnixMicro(),
		EndpointCapabilities: map[string]etp.DataValue{},
	}
	for _, p := range []etp.Protocol{3, 4, 9, 18, 24} {
		rs.RequestedProtocols = append(rs.RequestedProtocols, etp.SupportedProtocol{Protocol: int32(p),
			ProtocolVersion: etp.Version{Major: 1, Minor: 2}, Role: "store"})
	}
	if maxMsg > 0 {
		rs.EndpointCapabilities["MaxWebSocketMessagePayloadSize"] = etp.Long(maxMsg)
	}
	return rs
}

// openRaw dials and opens a session; maxMsg 0 keeps the server's limit.
func openRaw(t testing.TB, url string, maxMsg int64, compression ...string) (*rawClient, *etp.OpenSession) {
	t.Helper()
	c := dialRaw(t, url, nil)
	msgs := c.request(clientRequestSession(maxMsg, compression...))
	os, ok := msgs[0].body.(*etp.OpenSession)
	if !ok {
		t.Fatalf("RequestSession answered with %s", describe(msgs))
	}
	c.compress = os.SupportedCompression == "gzip"
	return c, os
}

// describe formats messages for failure output.
func describe(msgs []inMsg) string {
	var parts []string
	for _, m := range msgs {
		s := m.h.String()
		if pe, ok := m.body.(*etp.ProtocolException); ok {
			if pe.Error != nil {
				s += fmt.Sprintf(" error=%s %q", pe.Error.Code, pe.Error.Message)
			}
			for k, e := range pe.Errors {
				s += fmt.Sprintf(" [%s]=%s %q", k, e.Code, e.Message)
			}
		} else {
			s += fmt.Sprintf(" %T", m.body)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// answer is a merged multipart answer: the positive parts, the per-key
// errors and the whole-request error of any ProtocolException.
type answer struct {
	parts  []etp.Message
	errs   map[string]etp.ErrorInfo
	err    *etp.ErrorInfo
	msgs   []inMsg
	chunks []*etp.Chunk
}

// merge checks the structure of an answer (correlation, FIN only last,
// ids odd and increasing, each message within limit) and merges it.
func merge(t testing.TB, msgs []inMsg, limit int64) answer {
	t.Helper()
	a := answer{errs: map[string]etp.ErrorInfo{}, msgs: msgs}
	var last int64
	for i, m := range msgs {
		if m.h.MessageID%2 != 1 || m.h.MessageID <= last {
			t.Fatalf("part %d has message id %d after %d", i, m.h.MessageID, last)
		}
		last = m.h.MessageID
		if fin := m.h.HasFlag(etp.FlagFinalPart); fin != (i == len(msgs)-1) {
			t.Fatalf("part %d of %d has FIN=%v: %s", i, len(msgs), fin, describe(msgs))
		}
		if limit > 0 && int64(m.size) > limit {
			t.Fatalf("part %d is %d bytes, over the session limit %d", i, m.size, limit)
		}
		switch b := m.body.(type) {
		case *etp.ProtocolException:
			for k, e := range b.Errors {
				if _, dup := a.errs[k]; dup {
					t.Fatalf("key %q in two ProtocolExceptions", k)
				}
				a.errs[k] = e
			}
			if b.Error != nil {
				a.err = b.Error
			}
		case *etp.Chunk:
			a.chunks = append(a.chunks, b)
		default:
			a.parts = append(a.parts, b)
		}
	}
	return a
}

// wantCode fails unless the answer is a whole-request ProtocolException
// with code.
func (a answer) wantCode(t testing.TB, code etp.ErrorCode) {
	t.Helper()
	if a.err == nil || a.err.Code != code {
		t.Fatalf("want a ProtocolException %s, got %s", code, describe(a.msgs))
	}
}

// keyCode fails unless key failed with code.
func (a answer) keyCode(t testing.TB, key string, code etp.ErrorCode) {
	t.Helper()
	e, ok := a.errs[key]
	if !ok || e.Code != code {
		t.Fatalf("key %q: want %s, got %s", key, code, describe(a.msgs))
	}
}

func (a answer) noErrors(t testing.TB) {
	t.Helper()
	if a.err != nil || len(a.errs) > 0 {
		t.Fatalf("unexpected errors: %s", describe(a.msgs))
	}
}

// successKeys returns the keys of the success maps of every positive part.
func successKeys(parts []etp.Message) map[string]bool {
	keys := map[string]bool{}
	for _, p := range parts {
		var m map[string]string
		switch b := p.(type) {
		case *etp.PutDataArraysResponse:
			m = b.Success
		case *etp.PutDataSubarraysResponse:
			m = b.Success
		case *etp.PutUninitializedDataArraysResponse:
			m = b.Success
		case *etp.PutDataspacesResponse:
			m = b.Success
		case *etp.DeleteDataspacesResponse:
			m = b.Success
		case *etp.PutDataObjectsResponse:
			for k := range b.Success {
				keys[k] = true
			}
		case *etp.DeleteDataObjectsResponse:
			for k := range b.DeletedURIs {
				keys[k] = true
			}
		}
		for k := range m {
			keys[k] = true
		}
	}
	return keys
}

var errNoSuchPart = errors.New("no such part")
