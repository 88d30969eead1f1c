package etp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Session is an open ETP 1.2 session with a store, created by Dial (BRIEF
// sections 3-4). It speaks the customer side of Discovery, Store, DataArray,
// Transaction and Dataspace through typed methods (GetDataSubarrays,
// PutDataObjects, StartTransaction, ...) and the low-level Request and Send.
//
// # Concurrency
//
// A Session is safe for concurrent use by multiple goroutines: any number of
// requests may be in flight at once, from any goroutines, and their responses
// are routed back by correlation id (BRIEF 2.6). One reader goroutine receives
// every message; writers take turns on the connection, and each message gets
// its id (even, increasing from 2, BRIEF 2.5) at the moment it is written, so
// ids increase in wire order. The parts of a multipart request (PutDataObjects
// followed by Chunks) may interleave with other requests' messages.
//
// # Errors and lifetime
//
// Every method that blocks takes a context; when it ends the call returns an
// error wrapping ctx.Err(). A context that ends while a message is half
// written ends the whole session, because the connection cannot carry another
// message after a partial one. A request also fails when no response part
// arrives within SessionOptions.RequestTimeout (the error wraps
// context.DeadlineExceeded).
//
// The session ends when Close is called, when the server sends CloseSession,
// when the connection drops, or when the server sends a malformed message.
// Then every pending request fails at once with an error wrapping
// ErrSessionClosed that says why, Done is closed and Err reports the reason.
// A server's ProtocolException about a request fails only that request, with a
// *ProtocolError. No goroutine of the session outlives it: after Done is
// closed and Close has returned, all of them have exited.
type Session struct {
	conn *websocket.Conn
	log  *slog.Logger
	opts SessionOptions // resolved copy (defaults filled in)
	info SessionInfo

	negotiated     map[Protocol]bool // protocols the server accepted; immutable after Dial
	compress       bool              // gzip negotiated
	limit          int64             // session MaxWebSocketMessagePayloadSize
	frameLimit     int64             // session MaxWebSocketFramePayloadSize
	decodeOpts     DecodeOptions
	requestTimeout time.Duration // <= 0: none
	maxResponse    int64
	multipartSem   chan struct{} // nil: the server set no MaxConcurrentMultipart
	maxChunk       int           // largest Chunk payload

	writeLock chan struct{} // a one-slot semaphore guarding the connection's writes and nextID
	nextID    int64         // guarded by writeLock

	mu      sync.Mutex
	pending map[int64]*pendingRequest // by the id of the request's first message
	closing bool                      // Close was called
	err     error                     // why the session ended; nil while open

	done        chan struct{} // closed when the session ends
	ctx         context.Context
	cancel      context.CancelFunc
	control     chan controlMessage // replies the reader wants written (Pong, Acknowledge, ProtocolException)
	readerDone  chan struct{}
	controlDone chan struct{}

	closeOnce sync.Once
	closeErr  error
}

// SessionInfo describes a negotiated session: what the server said in
// OpenSession (BRIEF 3.1-3.2) and the limits derived from both sides. The
// slices and maps are shared with the Session and must not be modified.
type SessionInfo struct {
	// SessionID is the session UUID chosen by the server.
	SessionID UUID
	// ServerInstanceID identifies the server application instance.
	ServerInstanceID UUID
	// ServerApplicationName and ServerApplicationVersion are the server's
	// applicationName and applicationVersion.
	ServerApplicationName    string
	ServerApplicationVersion string
	// Protocols are the negotiated protocols exactly as the server returned
	// them (only those the client requested, with the same roles), each with
	// the server's protocolCapabilities (MaxDataArraySize, MaxResponseCount,
	// MaxTransactionCount, ...). Core is implicit and not listed.
	Protocols []SupportedProtocol
	// DataObjects is the server's supportedDataObjects list.
	DataObjects []SupportedDataObject
	// Compression is the negotiated algorithm: "gzip" or "" for none.
	Compression string
	// Formats is the server's supportedFormats (normally ["xml"]).
	Formats []string
	// ServerTime is the server's currentDateTime (UTC microseconds).
	ServerTime int64
	// EarliestRetainedChangeTime is the server's earliestRetainedChangeTime
	// (UTC microseconds).
	EarliestRetainedChangeTime int64
	// EndpointCapabilities are the server's endpoint capabilities, every one
	// it sent.
	EndpointCapabilities map[string]DataValue
	// MaxMessageSize is the session limit on one message: the smaller of the
	// two sides' MaxWebSocketMessagePayloadSize (BRIEF 2.9).
	MaxMessageSize int64
	// MaxFrameSize is the session limit on one WebSocket frame: the smaller of
	// the two sides' MaxWebSocketFramePayloadSize; longer messages are sent
	// as several frames.
	MaxFrameSize int64
}

// Negotiated reports whether the server accepted protocol p. Core is always
// negotiated.
func (i SessionInfo) Negotiated(p Protocol) bool {
	if p == ProtocolCore {
		return true
	}
	for _, sp := range i.Protocols {
		if Protocol(sp.Protocol) == p {
			return true
		}
	}
	return false
}

// ProtocolCapability returns the server's protocol capability name of the
// negotiated protocol p, and false when p was not negotiated or the server did
// not send that capability.
func (i SessionInfo) ProtocolCapability(p Protocol, name string) (DataValue, bool) {
	for _, sp := range i.Protocols {
		if Protocol(sp.Protocol) == p {
			v, ok := sp.ProtocolCapabilities[name]
			return v, ok
		}
	}
	return nil, false
}

// ProtocolCapabilityInt64 reads a count, size or period capability of
// protocol p (Long or Int branch, BRIEF 3.6), e.g.
// ProtocolCapabilityInt64(ProtocolDataArray, "MaxDataArraySize"). It reports
// false when the value is absent or of another type.
func (i SessionInfo) ProtocolCapabilityInt64(p Protocol, name string) (int64, bool) {
	v, ok := i.ProtocolCapability(p, name)
	if !ok {
		return 0, false
	}
	return DataValueInt64(v)
}

// EndpointCapabilityInt64 reads a count, size or period endpoint capability
// of the server (Long or Int branch), e.g. "MaxConcurrentMultipart"; false
// when absent or of another type.
func (i SessionInfo) EndpointCapabilityInt64(name string) (int64, bool) {
	return CapabilityInt64(i.EndpointCapabilities, name)
}

// Capability names used by the session (BRIEF 3.6).
const (
	capMaxMessage             = "MaxWebSocketMessagePayloadSize"
	capMaxFrame               = "MaxWebSocketFramePayloadSize"
	capMaxConcurrentMultipart = "MaxConcurrentMultipart"
	capMaxDataObjectSize      = "MaxDataObjectSize"
	capMaxPartSize            = "MaxPartSize"
	capResponseTimeout        = "ResponseTimeoutPeriod"
)

// Info returns what was negotiated with the server. It does not block and is
// safe to call at any time, also after the session ended.
func (s *Session) Info() SessionInfo { return s.info }

// Done returns a channel that is closed when the session has ended; Err then
// says why.
func (s *Session) Done() <-chan struct{} { return s.done }

// Err returns nil while the session is open, and afterwards why it ended: an
// error wrapping ErrSessionClosed (and, for a dropped connection or a
// malformed message, the cause).
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// sessionEndError is the reason a session ended other than Close: it wraps
// both ErrSessionClosed and the cause.
type sessionEndError struct {
	cause error
}

func (e *sessionEndError) Error() string   { return "etp: session ended: " + e.cause.Error() }
func (e *sessionEndError) Unwrap() []error { return []error{ErrSessionClosed, e.cause} }

func endedBecause(format string, args ...any) error {
	return &sessionEndError{cause: fmt.Errorf(format, args...)}
}

// ResponsePart is one message received for a request.
type ResponsePart struct {
	Header MessageHeader
	Body   Message
}

// Response holds every message the server sent for one request, in arrival
// order, up to and including the one with FIN (BRIEF 4.2): positive
// responses, Store Chunks and ProtocolException parts. Acknowledges are not
// included.
type Response struct {
	Parts []ResponsePart
}

// Err returns the first whole-request error among the ProtocolException parts
// (an exception whose error field is set) as a *ProtocolError, or nil.
func (r *Response) Err() error {
	if r == nil {
		return nil
	}
	for _, p := range r.Parts {
		if pe, ok := p.Body.(*ProtocolException); ok && pe.Error != nil {
			return newProtocolError(*pe.Error)
		}
	}
	return nil
}

// KeyErrors merges the errors maps of every ProtocolException part: request
// key to error (BRIEF 4.3). It returns nil when there are none. When a key
// appears in several parts, the first one wins.
func (r *Response) KeyErrors() KeyErrors {
	if r == nil {
		return nil
	}
	var m KeyErrors
	for _, p := range r.Parts {
		pe, ok := p.Body.(*ProtocolException)
		if !ok {
			continue
		}
		for k, info := range pe.Errors {
			if m == nil {
				m = KeyErrors{}
			}
			if _, dup := m[k]; !dup {
				m[k] = newProtocolError(info)
			}
		}
	}
	return m
}

// pendingRequest collects the parts of one response. Its fields are guarded
// by Session.mu.
type pendingRequest struct {
	id   int64
	name string // message name of the request, for errors
	ping bool
	// into, when set and intoUsed is false, receives the first part of its
	// type (DecodeMessageInto). The reader holds intoMu while decoding into
	// it; whoever gives up on the request takes intoMu once after removing it
	// from the pending table, so dst is never written after the request
	// returned.
	into     Message
	intoUsed bool
	intoMu   sync.Mutex
	parts    []ResponsePart
	size     int64         // encoded bytes received so far
	progress chan struct{} // one slot; signalled on every part
	done     chan struct{} // closed on FIN or failure
	err      error         // set when the request failed before FIN
}

type controlMessage struct {
	protocol int32
	corr     int64
	body     Message
}

// Request sends body as one request message and waits for the complete
// response: every part up to FIN (BRIEF 4.2). It is the low-level path under
// the typed methods and is safe to call from many goroutines at once, so
// several requests can be in flight (pipelining).
//
// It fails without sending anything when body's protocol was not negotiated
// (ErrProtocolNotNegotiated), when the encoded message exceeds the session
// limit (ErrMessageTooLarge, with the size and the limit), or when the session
// has ended (ErrSessionClosed). It fails after sending when ctx ends, when
// SessionOptions.RequestTimeout passes without a part, when the session ends
// or when the response grows beyond SessionOptions.MaxResponseSize.
//
// A ProtocolException part with its error field set makes Request return the
// *Response together with that *ProtocolError. Per-key errors of map requests
// are not an error of Request: read them with Response.KeyErrors.
func (s *Session) Request(ctx context.Context, body Message) (*Response, error) {
	if isNil(body) {
		return nil, errors.New("etp: Request with a nil body")
	}
	return s.requestParts(ctx, []Message{body}, requestOptions{})
}

// RequestInto is Request that decodes the first response part of dst's
// message type into dst with DecodeMessageInto, so that buffers are reused
// from one request to the next (for array bodies, the entries of dst's map
// whose keys come back again keep their slices). That part's Body in the
// Response is dst itself; other parts are decoded into new values. dst must
// not be read or written by anyone else until RequestInto returns; afterwards
// it holds the decoded part (or partial data when the request failed).
func (s *Session) RequestInto(ctx context.Context, body Message, dst Message) (*Response, error) {
	if isNil(body) {
		return nil, errors.New("etp: RequestInto with a nil body")
	}
	if isNil(dst) {
		return nil, errors.New("etp: RequestInto with a nil destination")
	}
	return s.requestParts(ctx, []Message{body}, requestOptions{into: dst})
}

// requestOptions are the internal variations of a request.
type requestOptions struct {
	ping bool    // a Core Ping: an uncorrelated Pong may complete it
	into Message // decode the first part of this type into it
}

// requestParts is Request for a request of one or more parts.
func (s *Session) requestParts(ctx context.Context, parts []Message, ro requestOptions) (*Response, error) {
	for _, body := range parts {
		if err := s.checkUserMessage(body); err != nil {
			return nil, err
		}
	}
	resp, err := s.roundTrip(ctx, parts, ro)
	if err != nil {
		return resp, err
	}
	if err := resp.Err(); err != nil {
		return resp, fmt.Errorf("%s: %w", messageName(parts[0]), err)
	}
	return resp, nil
}

// Send sends body as a single message (correlationId 0, FIN) for which no
// response is expected, such as a notification. It fails like Request for a
// non-negotiated protocol, an oversize message or an ended session; nothing
// is sent then. Send is safe for concurrent use.
func (s *Session) Send(ctx context.Context, body Message) error {
	if isNil(body) {
		return errors.New("etp: Send with a nil body")
	}
	if err := s.checkUserMessage(body); err != nil {
		return err
	}
	msg, err := s.encode(0, 0, FlagFinalPart, body)
	if err != nil {
		return err
	}
	_, err = s.write(ctx, msg, nil)
	return err
}

// Ping sends a Core Ping and returns the round-trip time until the matching
// Pong arrives (BRIEF 3.5). Pongs correlated to the Ping and uncorrelated ones
// (DevKit behaviour) are both accepted.
func (s *Session) Ping(ctx context.Context) (time.Duration, error) {
	start := time.Now()
	resp, err := s.roundTrip(ctx, []Message{&Ping{CurrentDateTime: start.UnixMicro()}}, requestOptions{ping: true})
	if err != nil {
		return 0, err
	}
	rtt := time.Since(start)
	for _, p := range resp.Parts {
		switch b := p.Body.(type) {
		case *Pong:
			return rtt, nil
		case *ProtocolException:
			if b.Error != nil {
				return 0, fmt.Errorf("Ping: %w", newProtocolError(*b.Error))
			}
		}
	}
	return 0, fmt.Errorf("etp: Ping: response without Pong")
}

// checkUserMessage refuses Core messages that only the session itself may
// send, and protocols the server did not accept.
func (s *Session) checkUserMessage(body Message) error {
	p := body.MessageProtocol()
	if p == ProtocolCore {
		switch body.(type) {
		case *RequestSession, *OpenSession, *CloseSession:
			return fmt.Errorf("etp: %s is sent by Dial and Close only", messageName(body))
		}
		return nil
	}
	if !s.negotiated[p] {
		return fmt.Errorf("%w: %s (%d) was not accepted by the server; cannot send %s",
			ErrProtocolNotNegotiated, p, int32(p), messageName(body))
	}
	return nil
}

func messageName(body Message) string {
	name, ok := MessageName(body.MessageProtocol(), body.MessageType())
	if !ok {
		return fmt.Sprintf("%s/%d", body.MessageProtocol(), body.MessageType())
	}
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == '.' {
			return name[i+1:]
		}
	}
	return name
}

// roundTrip sends the parts of one request (a single message, or a
// multipart request whose later parts continue the first) and waits for the
// complete response.
func (s *Session) roundTrip(ctx context.Context, parts []Message, ro requestOptions) (*Response, error) {
	if len(parts) == 0 {
		return nil, errors.New("etp: request without messages")
	}
	name := messageName(parts[0])
	if len(parts) > 1 {
		for _, body := range parts {
			if !MultipartAllowed(body.MessageProtocol(), body.MessageType()) {
				return nil, fmt.Errorf("etp: %s cannot be part of a multipart request (schema multipartFlag false)",
					messageName(body))
			}
		}
		if s.multipartSem != nil {
			select {
			case s.multipartSem <- struct{}{}:
				defer func() { <-s.multipartSem }()
			case <-ctx.Done():
				return nil, fmt.Errorf("etp: %s: waiting for a multipart slot: %w", name, ctx.Err())
			case <-s.done:
				return nil, fmt.Errorf("etp: %s: %w", name, s.Err())
			}
		}
	}
	p := &pendingRequest{
		name:     name,
		ping:     ro.ping,
		into:     ro.into,
		progress: make(chan struct{}, 1),
		done:     make(chan struct{}),
	}
	var firstID int64
	for i, body := range parts {
		flags := int32(0)
		if i == len(parts)-1 {
			flags = FlagFinalPart
		}
		msg, err := s.encode(0, firstID, flags, body)
		if err != nil {
			if i > 0 {
				// The server holds a half multipart request; only ending the
				// session cleans that up.
				s.abort(endedBecause("%s: part %d of %d could not be encoded: %v", name, i+1, len(parts), err))
				s.forget(p)
			}
			return nil, fmt.Errorf("etp: %s: %w", name, err)
		}
		var reg *pendingRequest
		if i == 0 {
			reg = p
		}
		id, err := s.write(ctx, msg, reg)
		if err != nil {
			if i > 0 {
				s.abort(endedBecause("%s: part %d of %d not sent: %v", name, i+1, len(parts), err))
				s.forget(p)
			}
			return nil, err
		}
		if i == 0 {
			firstID = id
		}
	}
	return s.wait(ctx, p)
}

// wait blocks until p is complete, failed, timed out or ctx ends.
func (s *Session) wait(ctx context.Context, p *pendingRequest) (*Response, error) {
	var timeout <-chan time.Time
	var timer *time.Timer
	if s.requestTimeout > 0 {
		timer = time.NewTimer(s.requestTimeout)
		defer timer.Stop()
		timeout = timer.C
	}
	for {
		select {
		case <-p.done:
			s.mu.Lock()
			parts, err := p.parts, p.err
			s.mu.Unlock()
			if err != nil {
				p.intoBarrier()
				return nil, fmt.Errorf("etp: %s (message %d): %w", p.name, p.id, err)
			}
			return &Response{Parts: parts}, nil
		case <-p.progress:
			if timer != nil {
				timer.Reset(s.requestTimeout)
			}
		case <-timeout:
			s.forget(p)
			p.intoBarrier()
			return nil, fmt.Errorf("etp: %s (message %d): no response within %v: %w",
				p.name, p.id, s.requestTimeout, context.DeadlineExceeded)
		case <-ctx.Done():
			s.forget(p)
			p.intoBarrier()
			return nil, fmt.Errorf("etp: %s (message %d): %w", p.name, p.id, ctx.Err())
		}
	}
}

// intoBarrier waits until the reader has stopped decoding into p.into. Call
// it only after p left the pending table (so no new decode can start).
func (p *pendingRequest) intoBarrier() {
	if p.into != nil {
		p.intoMu.Lock()
		p.intoMu.Unlock() //nolint:staticcheck // an empty critical section is the barrier
	}
}

// forget removes p from the pending table; later parts for it are dropped.
func (s *Session) forget(p *pendingRequest) {
	s.mu.Lock()
	if s.pending[p.id] == p {
		delete(s.pending, p.id)
	}
	s.mu.Unlock()
}

// encodedMessage is a message encoded with a placeholder id; write fills in
// the real id.
type encodedMessage struct {
	buf    *[]byte       // pooled buffer holding out
	out    []byte        // headroom, then header with id 0, then payload
	header MessageHeader // as encoded, id 0
	hsize  int           // size of the placeholder header
	name   string
	// closeSession marks the CloseSession of Close, the only message written
	// once Close has begun.
	closeSession bool
}

// headroom is reserved in front of an encoded message so that the header can
// be rewritten with the real id (at most 9 bytes longer than id 0).
const headroom = 16

var encodeBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// encode encodes body with a placeholder message id. protocol is used for
// ProtocolException and Acknowledge only.
func (s *Session) encode(protocol int32, corr int64, flags int32, body Message) (*encodedMessage, error) {
	name := messageName(body)
	if !s.compress {
		// Cheap early refusal: without compression the size is known before
		// encoding (a header takes at least 5 bytes).
		if size := int64(EncodedSize(body)) + 5; size > s.limit {
			return nil, fmt.Errorf("%w: %s of at least %d bytes exceeds the session limit of %d bytes; nothing sent",
				ErrMessageTooLarge, name, size, s.limit)
		}
	}
	bp := encodeBuffers.Get().(*[]byte)
	b := (*bp)[:headroom]
	h := MessageHeader{Protocol: protocol, CorrelationID: corr, MessageFlags: flags}
	out, hdr, err := AppendMessage(b, h, body, s.compress)
	if err != nil {
		*bp = b[:0]
		encodeBuffers.Put(bp)
		return nil, fmt.Errorf("encode %s: %w", name, err)
	}
	_, closing := body.(*CloseSession)
	return &encodedMessage{buf: bp, out: out, header: hdr, hsize: HeaderSize(hdr), name: name, closeSession: closing}, nil
}

func (m *encodedMessage) release() {
	if m.buf == nil {
		return
	}
	b := m.out[:0]
	if cap(b) <= 64<<20 {
		*m.buf = b
		encodeBuffers.Put(m.buf)
	}
	m.buf = nil
}

// write assigns the next message id, registers reg (if any) under that id,
// and writes the message, all while holding the write lock. It returns the
// id. Any error after the first byte went out ends the session.
func (s *Session) write(ctx context.Context, m *encodedMessage, reg *pendingRequest) (int64, error) {
	defer m.release()
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("etp: %s not sent: %w", m.name, err)
	}
	select {
	case s.writeLock <- struct{}{}:
	case <-ctx.Done():
		return 0, fmt.Errorf("etp: %s not sent: %w", m.name, ctx.Err())
	case <-s.done:
		return 0, fmt.Errorf("etp: %s not sent: %w", m.name, s.Err())
	}
	defer func() { <-s.writeLock }()

	h := m.header
	h.MessageID = s.nextID
	var hb [48]byte
	hdr, err := AppendRecord(hb[:0], &h)
	if err != nil {
		return 0, fmt.Errorf("etp: encode header of %s: %w", m.name, err)
	}
	start := headroom + m.hsize - len(hdr)
	msg := m.out[start:]
	copy(msg, hdr)
	if int64(len(msg)) > s.limit {
		return 0, fmt.Errorf("%w: %s of %d bytes exceeds the session limit of %d bytes; nothing sent",
			ErrMessageTooLarge, m.name, len(msg), s.limit)
	}

	s.mu.Lock()
	if s.err != nil {
		err := s.err
		s.mu.Unlock()
		return 0, fmt.Errorf("etp: %s not sent: %w", m.name, err)
	}
	if s.closing && !m.closeSession {
		s.mu.Unlock()
		return 0, fmt.Errorf("etp: %s not sent: %w", m.name, ErrSessionClosed)
	}
	if reg != nil {
		reg.id = h.MessageID
		s.pending[h.MessageID] = reg
	}
	s.mu.Unlock()
	s.nextID += 2

	if err := s.writeFrames(ctx, msg); err != nil {
		if reg != nil {
			s.forget(reg)
		}
		cause := err
		if ctx.Err() != nil {
			cause = fmt.Errorf("%w (while writing %s)", ctx.Err(), m.name)
		}
		s.abort(endedBecause("write failed: %v", cause))
		return 0, fmt.Errorf("etp: send %s (message %d): %w", m.name, h.MessageID, err)
	}
	if s.log.Enabled(ctx, slog.LevelDebug) {
		s.log.DebugContext(ctx, "etp: sent", "message", m.name, "header", h.String(), "bytes", len(msg))
	}
	return h.MessageID, nil
}

// writeFrames writes msg as one WebSocket message, split into frames of at
// most frameLimit bytes.
func (s *Session) writeFrames(ctx context.Context, msg []byte) error {
	if int64(len(msg)) <= s.frameLimit {
		return s.conn.Write(ctx, websocket.MessageBinary, msg)
	}
	w, err := s.conn.Writer(ctx, websocket.MessageBinary)
	if err != nil {
		return err
	}
	for len(msg) > 0 {
		n := int(min(int64(len(msg)), s.frameLimit))
		if _, err := w.Write(msg[:n]); err != nil {
			_ = w.Close()
			return err
		}
		msg = msg[n:]
	}
	return w.Close()
}

// end records why the session ended (the first reason wins), fails every
// pending request with it and closes Done. It does not touch the connection.
func (s *Session) end(reason error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return
	}
	s.err = reason
	for id, p := range s.pending {
		p.err = reason
		close(p.done)
		delete(s.pending, id)
	}
	close(s.done)
}

// abort ends the session and drops the connection at once.
func (s *Session) abort(reason error) {
	s.end(reason)
	_ = s.conn.CloseNow()
}

// Close ends the session politely (BRIEF 3.5): it sends CloseSession, fails
// every pending request with ErrSessionClosed, waits up to
// SessionOptions.CloseTimeout (and at most until ctx ends) for the server to
// close the connection, then closes it and waits for the session's goroutines
// to exit. Close is idempotent and safe to call concurrently; later calls
// return the first call's result. It returns nil when the session had already
// ended (see Err), and otherwise the error of sending CloseSession, if any.
func (s *Session) Close(ctx context.Context) error {
	s.closeOnce.Do(func() { s.closeErr = s.doClose(ctx) })
	return s.closeErr
}

func (s *Session) doClose(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	alive := s.err == nil
	s.mu.Unlock()

	var sendErr error
	if alive {
		cctx, cancel := context.WithTimeout(ctx, s.opts.CloseTimeout)
		msg, err := s.encode(0, 0, FlagFinalPart, &CloseSession{Reason: "etp-transfer: session closed by the client"})
		if err == nil {
			_, err = s.write(cctx, msg, nil)
		}
		if err != nil {
			sendErr = fmt.Errorf("etp: Close: %w", err)
		}
		s.end(ErrSessionClosed)
		if err == nil {
			// The receiver of CloseSession closes the WebSocket; give it time.
			select {
			case <-s.readerDone:
			case <-cctx.Done():
			}
		}
		cancel()
	}
	if err := s.conn.CloseNow(); err != nil && !errors.Is(err, net.ErrClosed) {
		s.log.Debug("etp: closing the connection", "error", err)
	}
	s.cancel()
	<-s.readerDone
	<-s.controlDone
	if sendErr != nil && errors.Is(sendErr, ErrSessionClosed) {
		return nil // the session ended while CloseSession was being sent
	}
	return sendErr
}

// start launches the reader and control goroutines after a successful
// handshake.
func (s *Session) start() {
	go s.readLoop()
	go s.controlLoop()
}

// controlLoop writes the replies the reader queues (Pong, Acknowledge,
// ProtocolException), so the reader never blocks on a write.
func (s *Session) controlLoop() {
	defer close(s.controlDone)
	for {
		select {
		case <-s.ctx.Done():
			return
		case c := <-s.control:
			flags := FlagFinalPart
			msg, err := s.encode(c.protocol, c.corr, flags, c.body)
			if err != nil {
				s.log.Warn("etp: encode reply", "message", messageName(c.body), "error", err)
				continue
			}
			ctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
			_, err = s.write(ctx, msg, nil)
			cancel()
			if err != nil {
				s.log.Debug("etp: reply not sent", "message", messageName(c.body), "error", err)
			}
		}
	}
}

// reply queues a message for the control goroutine; when the queue is full
// the reply is dropped with a warning rather than blocking the reader.
func (s *Session) reply(protocol int32, corr int64, body Message) {
	select {
	case s.control <- controlMessage{protocol: protocol, corr: corr, body: body}:
	default:
		s.log.Warn("etp: reply queue full; reply dropped", "message", messageName(body), "correlationId", corr)
	}
}

// readLoop is the session's only reader: it decodes every message and routes
// it. It ends the session when the connection fails or the server sends
// something malformed.
func (s *Session) readLoop() {
	defer close(s.readerDone)
	defer s.cancel()
	buf := make([]byte, 0, 64<<10)
	for {
		typ, r, err := s.conn.Reader(s.ctx)
		if err == nil {
			buf, err = readMessage(r, buf[:0])
		}
		if err != nil {
			s.abort(s.readFailure(err))
			return
		}
		if typ != websocket.MessageBinary {
			s.malformed(nil, fmt.Errorf("a %v WebSocket message (ETP 1.2 uses binary messages only)", typ))
			return
		}
		h, body, err := s.decode(buf)
		if err != nil {
			var de *DecodeError
			if errors.As(err, &de) && de.Code == EInvalidMessageType && de.HasHeader {
				s.unknownMessage(de)
				continue
			}
			s.malformed(de, err)
			return
		}
		if s.dispatch(h, body, len(buf)) {
			return
		}
		if cap(buf) > 4<<20 && len(buf) < 1<<20 {
			buf = make([]byte, 0, 64<<10) // do not keep a huge buffer for small messages
		}
	}
}

// decode decodes one received message, into the destination of the
// pending request it answers when that request asked for it (RequestInto).
func (s *Session) decode(buf []byte) (MessageHeader, Message, error) {
	h, _, err := DecodeHeader(buf)
	if err != nil || h.CorrelationID == 0 {
		return DecodeMessage(buf, &s.decodeOpts)
	}
	s.mu.Lock()
	p := s.pending[h.CorrelationID]
	if p == nil || p.into == nil || p.intoUsed || p.into.MessageType() != h.MessageType ||
		int32(p.into.MessageProtocol()) != h.Protocol {
		s.mu.Unlock()
		return DecodeMessage(buf, &s.decodeOpts)
	}
	p.intoUsed = true
	p.intoMu.Lock()
	s.mu.Unlock()
	defer p.intoMu.Unlock()
	h, err = DecodeMessageInto(buf, &s.decodeOpts, p.into)
	if err != nil {
		return h, nil, err
	}
	return h, p.into, nil
}

// readMessage reads one WebSocket message into buf (reusing its capacity).
// The connection's read limit bounds it.
func readMessage(r io.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// readFailure turns a read error into the reason the session ended.
func (s *Session) readFailure(err error) error {
	s.mu.Lock()
	closing := s.closing
	s.mu.Unlock()
	if closing {
		return ErrSessionClosed
	}
	switch {
	case errors.Is(err, websocket.ErrMessageTooBig):
		return &sessionEndError{cause: fmt.Errorf("%w: the server sent a message larger than the session limit of %d bytes",
			ErrMessageTooLarge, s.limit)}
	case websocket.CloseStatus(err) != -1:
		var ce websocket.CloseError
		errors.As(err, &ce)
		return endedBecause("the server closed the connection without CloseSession (WebSocket status %d %v%s)",
			int(ce.Code), ce.Code, reasonSuffix(ce.Reason))
	default:
		return endedBecause("connection lost: %w", err)
	}
}

func reasonSuffix(r string) string {
	if r == "" {
		return ""
	}
	return ": " + truncate(r, 200)
}

// malformed ends the session after a message that cannot be decoded,
// telling the server why first (best effort, BRIEF 2.11).
func (s *Session) malformed(de *DecodeError, err error) {
	code := EInvalidMessage
	var corr int64
	if de != nil {
		code = de.Code
		if de.HasHeader {
			corr = de.Header.MessageID
		}
	}
	reason := &sessionEndError{cause: fmt.Errorf("malformed message from the server: %w", err)}
	s.end(reason)
	s.log.Error("etp: malformed message from the server; ending the session", "error", err)
	msg, encErr := s.encode(0, corr, FlagFinalPart, &ProtocolException{
		Error: &ErrorInfo{Code: code, Message: truncate(err.Error(), 500)},
	})
	if encErr == nil {
		// The session has ended, so write refuses; send directly, briefly.
		ctx, cancel := context.WithTimeout(s.ctx, time.Second)
		s.writeEnded(ctx, msg)
		cancel()
	}
	_ = s.conn.CloseNow()
}

// writeEnded writes a last message after the session ended (the error
// report of malformed), bypassing the state checks of write.
func (s *Session) writeEnded(ctx context.Context, m *encodedMessage) {
	defer m.release()
	select {
	case s.writeLock <- struct{}{}:
	case <-ctx.Done():
		return
	}
	defer func() { <-s.writeLock }()
	h := m.header
	h.MessageID = s.nextID
	s.nextID += 2
	var hb [48]byte
	hdr, err := AppendRecord(hb[:0], &h)
	if err != nil {
		return
	}
	msg := m.out[headroom+m.hsize-len(hdr):]
	copy(msg, hdr)
	if int64(len(msg)) <= s.limit {
		_ = s.writeFrames(ctx, msg)
	}
}

// unknownMessage handles a message whose header decoded but whose (protocol,
// message type) is unknown: it fails the request it answers, if any, and
// otherwise logs it and answers EINVALID_MESSAGETYPE (BRIEF 2.11).
func (s *Session) unknownMessage(de *DecodeError) {
	h := de.Header
	s.log.Warn("etp: message of unknown type from the server", "header", h.String())
	if h.CorrelationID != 0 {
		s.mu.Lock()
		p := s.pending[h.CorrelationID]
		if p != nil {
			delete(s.pending, h.CorrelationID)
			p.err = fmt.Errorf("the server answered with a message of unknown type %s/%d",
				Protocol(h.Protocol), h.MessageType)
			close(p.done)
		}
		s.mu.Unlock()
		return
	}
	s.reply(h.Protocol, h.MessageID, &ProtocolException{Error: &ErrorInfo{Code: EInvalidMessageType,
		Message: fmt.Sprintf("unknown message type %d in protocol %d", h.MessageType, h.Protocol)}})
}

// dispatch routes one decoded message. It returns true when the session has
// ended.
func (s *Session) dispatch(h MessageHeader, body Message, size int) bool {
	if s.log.Enabled(s.ctx, slog.LevelDebug) {
		s.log.Debug("etp: received", "message", messageName(body), "header", h.String(), "bytes", size)
	}
	if h.HasFlag(FlagAcknowledgementRequested) {
		if _, isAck := body.(*Acknowledge); !isAck {
			s.reply(h.Protocol, h.MessageID, &Acknowledge{})
		}
	}
	switch b := body.(type) {
	case *CloseSession:
		s.end(endedBecause("the server sent CloseSession%s", reasonSuffix(b.Reason)))
		s.log.Info("etp: the server closed the session", "reason", b.Reason)
		// The receiver of CloseSession closes the WebSocket (BRIEF 3.5).
		_ = s.conn.Close(websocket.StatusNormalClosure, "")
		return true
	case *Acknowledge:
		s.log.Debug("etp: acknowledged", "correlationId", h.CorrelationID)
		return false
	case *Ping:
		s.reply(int32(ProtocolCore), h.MessageID, &Pong{CurrentDateTime: time.Now().UnixMicro()})
		return false
	}
	if h.Protocol != int32(ProtocolCore) && !s.negotiated[Protocol(h.Protocol)] {
		s.log.Warn("etp: message of a protocol that was not negotiated", "header", h.String())
		if h.CorrelationID == 0 {
			s.reply(h.Protocol, h.MessageID, &ProtocolException{Error: &ErrorInfo{Code: EUnsupportedProtocol,
				Message: fmt.Sprintf("protocol %d was not negotiated in this session", h.Protocol)}})
		}
		return false
	}
	if h.CorrelationID != 0 {
		if s.deliver(h, body, size) {
			return false
		}
	} else if _, ok := body.(*Pong); ok && s.deliverPong(h, body, size) {
		return false
	}
	switch b := body.(type) {
	case *ProtocolException:
		s.log.Warn("etp: ProtocolException from the server not tied to a pending request",
			"header", h.String(), "error", protocolExceptionString(b))
	default:
		s.log.Warn("etp: unsolicited message from the server ignored", "message", messageName(body),
			"header", h.String())
	}
	return false
}

func protocolExceptionString(pe *ProtocolException) string {
	if pe.Error != nil {
		return newProtocolError(*pe.Error).Error()
	}
	return fmt.Sprintf("%d per-key errors", len(pe.Errors))
}

// deliver appends a part to the pending request it correlates to and reports
// whether there was one.
func (s *Session) deliver(h MessageHeader, body Message, size int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pending[h.CorrelationID]
	if p == nil {
		return false
	}
	s.addPart(p, h, body, size)
	return true
}

// deliverPong completes the oldest pending Ping with an uncorrelated Pong.
func (s *Session) deliverPong(h MessageHeader, body Message, size int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	var oldest *pendingRequest
	for _, p := range s.pending {
		if p.ping && (oldest == nil || p.id < oldest.id) {
			oldest = p
		}
	}
	if oldest == nil {
		return false
	}
	s.addPart(oldest, h, body, size)
	return true
}

// addPart records a part; FIN (or a message type that cannot be multipart)
// completes the request. Called with s.mu held.
func (s *Session) addPart(p *pendingRequest, h MessageHeader, body Message, size int) {
	p.size += int64(size)
	if p.size > s.maxResponse {
		delete(s.pending, p.id)
		p.err = fmt.Errorf("%w: the response exceeds MaxResponseSize (%d bytes)", ErrMessageTooLarge, s.maxResponse)
		close(p.done)
		return
	}
	p.parts = append(p.parts, ResponsePart{Header: h, Body: body})
	final := h.HasFlag(FlagFinalPart) || !MultipartAllowed(Protocol(h.Protocol), h.MessageType)
	if _, isPong := body.(*Pong); isPong {
		final = true
	}
	if final {
		delete(s.pending, p.id)
		close(p.done)
		return
	}
	select {
	case p.progress <- struct{}{}:
	default:
	}
}
