package etp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// testPeer is a scriptable ETP server for the session tests: it performs the
// WebSocket upgrade and the RequestSession/OpenSession exchange like a store
// would, then hands every message to the test's handler, which answers as the
// test needs (multipart, ProtocolException parts, garbage, silence, ...).
type testPeer struct {
	t    testing.TB
	srv  *httptest.Server
	url  string
	opts peerOptions

	mu       sync.Mutex
	headers  []http.Header   // of every upgrade request
	rs       *RequestSession // the last RequestSession
	received []peerMsg       // every message after RequestSession, in arrival order
	conns    []*peerConn     // open connections
	gotMsg   chan struct{}   // signalled on every received message
	handlers sync.WaitGroup  // running handler goroutines
	closed   chan *peerConn  // receives a conn when its client is gone
	rsHeader []MessageHeader // headers of every RequestSession
}

type peerOptions struct {
	// noSubprotocol makes the upgrade answer without Sec-WebSocket-Protocol.
	noSubprotocol bool
	// httpStatus, when set, refuses the upgrade with this status and body.
	httpStatus int
	httpBody   string
	// maxMessage is the server's MaxWebSocketMessagePayloadSize: 0 means
	// 16 MiB, -1 means the capability is not sent.
	maxMessage int64
	// maxFrame is the server's MaxWebSocketFramePayloadSize (0: not sent).
	maxFrame int64
	// compression is the server's choice when the client offered it.
	compression string
	// protocols are the protocols the server accepts (nil: every requested).
	protocols []Protocol
	// protocolCaps are the server's capabilities per protocol.
	protocolCaps map[Protocol]map[string]DataValue
	// endpointCaps are extra endpoint capabilities.
	endpointCaps map[string]DataValue
	// open, when set, replaces the OpenSession answer (return nil to send
	// nothing and close).
	open func(c *peerConn, rs *RequestSession, h MessageHeader)
	// handler answers every message after the handshake except Ping (unless
	// noAutoPong) and CloseSession. nil answers ENOTSUPPORTED.
	handler func(c *peerConn, m peerMsg)
	// noAutoPong hands Pings to the handler instead of answering them.
	noAutoPong bool
	// ignoreCloseSession keeps the connection open after CloseSession.
	ignoreCloseSession bool
	// tls serves wss:// with the httptest certificate.
	tls bool
}

type peerMsg struct {
	h    MessageHeader
	body Message
	size int
}

// peerConn is the server side of one connection.
type peerConn struct {
	p    *testPeer
	ws   *websocket.Conn
	ctx  context.Context
	mu   sync.Mutex
	next int64
	gzip bool
	buf  []byte // read buffer, reused
}

func newTestPeer(t testing.TB, opts peerOptions) *testPeer {
	t.Helper()
	p := &testPeer{t: t, opts: opts, gotMsg: make(chan struct{}, 1024), closed: make(chan *peerConn, 16)}
	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(p.serve))
	p.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused TLS handshakes are expected
	if opts.tls {
		p.srv.StartTLS()
	} else {
		p.srv.Start()
	}
	p.url = "ws" + strings.TrimPrefix(p.srv.URL, "http") + "/api/etp"
	t.Cleanup(p.shutdown)
	return p
}

func (p *testPeer) shutdown() {
	p.mu.Lock()
	conns := append([]*peerConn(nil), p.conns...)
	p.mu.Unlock()
	for _, c := range conns {
		_ = c.ws.CloseNow()
	}
	p.handlers.Wait()
	p.srv.Close()
}

func (p *testPeer) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.headers = append(p.headers, r.Header.Clone())
	p.mu.Unlock()
	if p.opts.httpStatus != 0 {
		http.Error(w, p.opts.httpBody, p.opts.httpStatus)
		return
	}
	var subprotocols []string // none: Accept then echoes no subprotocol
	if !p.opts.noSubprotocol {
		subprotocols = []string{Subprotocol}
	}
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: subprotocols})
	if err != nil {
		return
	}
	ws.SetReadLimit(256 << 20)
	c := &peerConn{p: p, ws: ws, ctx: context.Background(), next: 1}
	p.mu.Lock()
	p.conns = append(p.conns, c)
	p.mu.Unlock()
	p.handlers.Add(1)
	defer p.handlers.Done()
	defer func() { _ = ws.CloseNow() }()
	c.run()
}

func (c *peerConn) read() (peerMsg, error) {
	typ, r, err := c.ws.Reader(c.ctx)
	if err != nil {
		return peerMsg{}, err
	}
	b, err := readMessage(r, c.buf[:0]) // the decoded body never aliases b
	if err != nil {
		return peerMsg{}, err
	}
	c.buf = b
	if typ != websocket.MessageBinary {
		return peerMsg{}, errors.New("text message")
	}
	h, body, err := DecodeMessage(b, nil)
	if err != nil {
		return peerMsg{}, err
	}
	return peerMsg{h: h, body: body, size: len(b)}, nil
}

func (c *peerConn) run() {
	p := c.p
	defer func() {
		select {
		case p.closed <- c:
		default:
		}
	}()
	m, err := c.read()
	if err != nil {
		return
	}
	rs, ok := m.body.(*RequestSession)
	if !ok {
		return
	}
	p.mu.Lock()
	p.rs = rs
	p.rsHeader = append(p.rsHeader, m.h)
	p.mu.Unlock()
	if p.opts.open != nil {
		p.opts.open(c, rs, m.h)
	} else {
		c.send(m.h.MessageID, FlagFinalPart, p.openSession(rs))
		c.gzip = p.opts.compression == "gzip" && len(rs.SupportedCompression) > 0
	}
	for {
		m, err := c.read()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.received = append(p.received, m)
		p.mu.Unlock()
		select {
		case p.gotMsg <- struct{}{}:
		default:
		}
		switch b := m.body.(type) {
		case *CloseSession:
			if p.opts.ignoreCloseSession {
				continue
			}
			_ = c.ws.Close(websocket.StatusNormalClosure, "")
			return
		case *Ping:
			if !p.opts.noAutoPong {
				c.send(m.h.MessageID, FlagFinalPart, &Pong{CurrentDateTime: b.CurrentDateTime})
				continue
			}
		case *Acknowledge, *Pong:
			if p.opts.handler == nil {
				continue
			}
		}
		if p.opts.handler != nil {
			p.opts.handler(c, m)
		} else {
			c.fail(m, ENotSupported, "not supported by the test peer")
		}
	}
}

func (p *testPeer) openSession(rs *RequestSession) *OpenSession {
	os := &OpenSession{
		ApplicationName:      "test-peer",
		ApplicationVersion:   "9.9",
		ServerInstanceID:     NewUUID(),
		SessionID:            NewUUID(),
		SupportedFormats:     []string{"xml"},
		SupportedDataObjects: []SupportedDataObject{{QualifiedType: "resqml20.*"}},
		CurrentDateTime:      time.Now().UnixMicro(),
		EndpointCapabilities: map[string]DataValue{},
	}
	switch {
	case p.opts.maxMessage == 0:
		os.EndpointCapabilities[capMaxMessage] = Long(16 << 20)
	case p.opts.maxMessage > 0:
		os.EndpointCapabilities[capMaxMessage] = Long(p.opts.maxMessage)
	}
	if p.opts.maxFrame > 0 {
		os.EndpointCapabilities[capMaxFrame] = Long(p.opts.maxFrame)
	}
	for k, v := range p.opts.endpointCaps {
		os.EndpointCapabilities[k] = v
	}
	if p.opts.compression != "" && len(rs.SupportedCompression) > 0 {
		os.SupportedCompression = p.opts.compression
	}
	accept := map[Protocol]bool{}
	for _, pr := range p.opts.protocols {
		accept[pr] = true
	}
	for _, sp := range rs.RequestedProtocols {
		if p.opts.protocols != nil && !accept[Protocol(sp.Protocol)] {
			continue
		}
		sp.ProtocolCapabilities = p.opts.protocolCaps[Protocol(sp.Protocol)]
		os.SupportedProtocols = append(os.SupportedProtocols, sp)
	}
	return os
}

// send writes body with the next odd id; ProtocolException and Acknowledge
// carry protocol 0 in the header unless sendProto is used.
func (c *peerConn) send(corr int64, flags int32, body Message) {
	c.sendProto(0, corr, flags, body)
}

func (c *peerConn) sendProto(protocol int32, corr int64, flags int32, body Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := MessageHeader{Protocol: protocol, CorrelationID: corr, MessageID: c.next, MessageFlags: flags}
	c.next += 2
	b, _, err := AppendMessage(nil, h, body, c.gzip)
	if err != nil {
		c.p.t.Errorf("peer: encode %T: %v", body, err)
		return
	}
	_ = c.ws.Write(c.ctx, websocket.MessageBinary, b)
}

// sendRaw writes b as one binary message.
func (c *peerConn) sendRaw(b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.ws.Write(c.ctx, websocket.MessageBinary, b)
}

// nextID returns the id the next message will carry.
func (c *peerConn) nextID() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := c.next
	c.next += 2
	return id
}

// reply answers m with one final message.
func (c *peerConn) reply(m peerMsg, body Message) {
	c.sendProto(m.h.Protocol, m.h.MessageID, FlagFinalPart, body)
}

// part answers m with one non-final part.
func (c *peerConn) part(m peerMsg, body Message) {
	c.sendProto(m.h.Protocol, m.h.MessageID, 0, body)
}

// fail answers m with a whole-request ProtocolException.
func (c *peerConn) fail(m peerMsg, code ErrorCode, msg string) {
	c.reply(m, &ProtocolException{Error: &ErrorInfo{Code: code, Message: msg}})
}

// waitReceived waits until the peer has received n messages after the
// handshake and returns them.
func (p *testPeer) waitReceived(t *testing.T, ctx context.Context, n int) []peerMsg {
	t.Helper()
	for {
		p.mu.Lock()
		if len(p.received) >= n {
			got := append([]peerMsg(nil), p.received...)
			p.mu.Unlock()
			return got
		}
		p.mu.Unlock()
		select {
		case <-p.gotMsg:
		case <-ctx.Done():
			t.Fatalf("peer received %d messages, want %d: %v", len(p.snapshot()), n, ctx.Err())
		}
	}
}

func (p *testPeer) snapshot() []peerMsg {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]peerMsg(nil), p.received...)
}

func (p *testPeer) requestSession() *RequestSession {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rs
}

func (p *testPeer) upgradeHeaders() []http.Header {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]http.Header(nil), p.headers...)
}

// testCtx returns a context that bounds a test (tests never rely on its
// expiry; it only stops a broken test from hanging).
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// logBuffer collects slog output of a session for inspection.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// dialPeer dials p with opts (nil: defaults) and closes the session at the
// end of the test.
func dialPeer(t *testing.T, p *testPeer, opts *SessionOptions) *Session {
	t.Helper()
	s, err := Dial(testCtx(t), p.url, opts)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Close(ctx)
	})
	return s
}
