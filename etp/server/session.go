package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/etp-transfer/etp-transfer/etp"
)

// session is one ETP session over one WebSocket connection. The read loop
// (run) decodes and checks every message, answers Core messages itself and
// hands requests to handler goroutines, at most MaxConcurrentRequests at a
// time. Writes are serialized by wmu, which also assigns the odd message ids
// in wire order (BRIEF 2.5).
type session struct {
	srv    *Server
	remote string
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc

	mu         sync.Mutex // guards w, closed, shutdownRq
	w          wire
	closed     bool
	shutdownRq bool

	// hsmu makes sending OpenSession and marking the session open one step
	// for shutdown, which sends CloseSession only to open sessions.
	hsmu sync.Mutex

	// Negotiated state: written by the read loop before open is set, read
	// by everyone after.
	open        atomic.Bool
	id          etp.UUID
	protocols   map[etp.Protocol]bool
	compress    bool
	msgLimit    int64
	frameLimit  int64
	dataTypes   []string
	mpSem       map[int32]chan struct{} // outgoing multipart responses per protocol
	clientApp   string
	established time.Time

	lastID int64 // last client message id; read loop only

	wmu    sync.Mutex
	nextID int64

	sem      chan struct{}
	inflight sync.WaitGroup

	txmu    sync.Mutex
	txs     map[etp.UUID]*txn
	expired map[etp.UUID]string

	mp multipartState
}

func newSession(srv *Server, remote string) *session {
	s := &session{
		srv:      srv,
		remote:   remote,
		log:      srv.log.With("remote", remote),
		nextID:   1,
		msgLimit: srv.opts.MaxMessageSize,
		sem:      make(chan struct{}, srv.opts.MaxConcurrentRequests),
		txs:      map[etp.UUID]*txn{},
		expired:  map[etp.UUID]string{},
	}
	s.ctx, s.cancel = context.WithCancel(srv.baseCtx)
	s.mp.init()
	return s
}

// run serves the session until the connection ends.
func (s *session) run(w wire) {
	s.mu.Lock()
	if s.closed || s.shutdownRq {
		s.mu.Unlock()
		_ = w.Close(websocket.StatusGoingAway, "server shutting down")
		return
	}
	s.w = w
	s.mu.Unlock()
	defer s.teardown()
	w.SetReadLimit(s.srv.opts.MaxMessageSize)
	s.readLoop()
}

func (s *session) readLoop() {
	deadline := time.Now().Add(s.srv.opts.RequestSessionTimeout)
	for {
		ctx, cancel := s.ctx, context.CancelFunc(nil)
		if !s.open.Load() {
			ctx, cancel = context.WithDeadline(s.ctx, deadline)
		}
		b, err := s.w.Read(ctx)
		if cancel != nil {
			cancel()
		}
		if err != nil {
			switch {
			case !s.open.Load() && !time.Now().Before(deadline):
				s.log.Info("etp/server: no RequestSession within the RequestSessionTimeoutPeriod; closing",
					"timeout", s.srv.opts.RequestSessionTimeout)
			case errors.Is(err, errTextMessage):
				s.log.Info("etp/server: closing session", "err", err)
				s.closeWith(websocket.StatusUnsupportedData, "ETP 1.2 uses binary messages only")
			case websocket.CloseStatus(err) == websocket.StatusNormalClosure || websocket.CloseStatus(err) == websocket.StatusGoingAway:
				s.log.Debug("etp/server: connection closed by the client")
			case errors.Is(err, websocket.ErrMessageTooBig):
				s.log.Info("etp/server: message larger than the session limit; connection closed with 1009",
					"limit", s.limit())
			default:
				s.log.Debug("etp/server: read ended", "err", err)
			}
			return
		}
		more := s.handle(b) // decoded bodies never alias b
		putBuf(b)
		if !more {
			return
		}
	}
}

// teardown runs when the read loop ends: it waits for the handlers, rolls
// back open transactions and releases pending multipart requests.
func (s *session) teardown() {
	s.closeNow()
	s.cancel()
	s.inflight.Wait()
	s.mp.clear()
	s.txmu.Lock()
	txs := s.txs
	s.txs = map[etp.UUID]*txn{}
	s.txmu.Unlock()
	for _, t := range txs {
		t.end()
		if t.tx != nil {
			s.log.Info("etp/server: rolling back the open transaction of a closed session", "transaction", t.id.String())
		}
	}
	if s.open.Load() {
		s.log.Info("etp/server: session closed", "session", s.id.String(),
			"duration", time.Since(s.established).Round(time.Millisecond))
	}
}

// closeWith closes the connection with a close handshake.
func (s *session) closeWith(code websocket.StatusCode, reason string) {
	s.mu.Lock()
	w, already := s.w, s.closed
	s.closed = true
	s.mu.Unlock()
	if w != nil && !already {
		_ = w.Close(code, reason)
	}
}

// closeNow closes the connection without a close handshake; it unblocks
// the read loop and every write.
func (s *session) closeNow() {
	s.mu.Lock()
	w := s.w
	s.closed = true
	s.mu.Unlock()
	if w != nil {
		_ = w.CloseNow()
	}
}

// shutdown sends CloseSession (if the session is open) and closes the
// connection; used by Server.Shutdown. With ctx done, the connection may
// be closed under it by Server.Shutdown's hard stop.
func (s *session) shutdown(ctx context.Context, reason string) {
	_ = ctx
	s.mu.Lock()
	s.shutdownRq = true
	w := s.w
	s.mu.Unlock()
	if w == nil {
		return
	}
	s.hsmu.Lock()
	open := s.open.Load()
	s.hsmu.Unlock()
	if open {
		_ = s.sendSingle(etp.MessageHeader{Protocol: int32(etp.ProtocolCore)}, &etp.CloseSession{Reason: reason})
	}
	s.closeWith(websocket.StatusGoingAway, reason)
}

// limit is the session's MaxWebSocketMessagePayloadSize.
func (s *session) limit() int64 {
	if s.open.Load() {
		return s.msgLimit
	}
	return s.srv.opts.MaxMessageSize
}

// handle processes one received message in the order of BRIEF 2.11 and
// reports whether the session goes on.
func (s *session) handle(b []byte) bool {
	h, _, err := etp.DecodeHeader(b)
	if err != nil {
		s.sendError(etp.MessageHeader{}, etp.EInvalidMessage, "undecodable message header: "+err.Error())
		return true
	}
	// Message ids: positive, even, strictly increasing (BRIEF 2.5).
	if h.MessageID <= 0 || h.MessageID%2 != 0 || h.MessageID <= s.lastID {
		s.sendError(h, etp.EInvalidMessage, fmt.Sprintf(
			"invalid messageId %d: client message ids must be positive, even and increasing (last was %d)",
			h.MessageID, s.lastID))
		return true
	}
	s.lastID = h.MessageID
	p, mt := etp.Protocol(h.Protocol), h.MessageType
	isCoreAny := mt == etp.MessageTypeProtocolException || mt == etp.MessageTypeAcknowledge
	if h.HasFlag(etp.FlagAcknowledgementRequested) {
		if mt == etp.MessageTypeAcknowledge {
			s.sendError(h, etp.EInvalidState, "an Acknowledge must not request an acknowledgement")
			return true
		}
		ackHeader := etp.MessageHeader{Protocol: h.Protocol, CorrelationID: h.MessageID}
		if err := s.sendSingle(ackHeader, &etp.Acknowledge{}); err != nil {
			return false
		}
	}
	if !isCoreAny && p != etp.ProtocolCore {
		if !s.open.Load() && !serverProtocols[p] {
			s.sendError(h, etp.EUnsupportedProtocol, fmt.Sprintf("protocol %s is not supported by this store", p))
			return true
		}
		if s.open.Load() && !s.protocols[p] {
			s.sendError(h, etp.EUnsupportedProtocol, fmt.Sprintf("protocol %s was not negotiated in this session", p))
			return true
		}
	}
	if !receivable(p, mt) {
		name, known := etp.MessageName(p, mt)
		msg := fmt.Sprintf("unknown message type %d of protocol %s", mt, p)
		if known {
			msg = fmt.Sprintf("a store does not receive %s", name)
		}
		s.sendError(h, etp.EInvalidMessageType, msg)
		return true
	}
	opts := &etp.DecodeOptions{MaxDecompressedSize: s.srv.opts.MaxDecompressedSize}
	// Array uploads decode into pooled bodies (see bodypool.go): every path
	// below that does not hand the body to spawn returns it to its pool.
	var body etp.Message
	if pooled := pooledArrayBody(p, mt); pooled != nil {
		body = pooled
		_, err = etp.DecodeMessageInto(b, opts, pooled)
	} else {
		_, body, err = etp.DecodeMessage(b, opts)
	}
	if err != nil {
		putArrayBody(body)
		code := etp.EInvalidMessage
		var de *etp.DecodeError
		if errors.As(err, &de) {
			code = de.Code
		}
		s.sendError(h, code, err.Error())
		return true
	}
	if !h.HasFlag(etp.FlagFinalPart) && !etp.MultipartAllowed(p, mt) && !isCoreAny {
		putArrayBody(body)
		s.sendError(h, etp.EInvalidMessage, fmt.Sprintf(
			"%s is not multipart-capable and must carry the FIN flag (0x02)", messageName(p, mt)))
		return true
	}
	if !s.open.Load() {
		switch body.(type) {
		case *etp.RequestSession, *etp.CloseSession, *etp.ProtocolException, *etp.Acknowledge,
			*etp.Authorize, *etp.AuthorizeResponse:
		default:
			putArrayBody(body)
			s.sendError(h, etp.EInvalidState, fmt.Sprintf("%s before the session is open: send RequestSession first",
				messageName(p, mt)))
			return true
		}
	}
	return s.dispatch(h, body)
}

func messageName(p etp.Protocol, mt int32) string {
	if name, ok := etp.MessageName(p, mt); ok {
		return name
	}
	return fmt.Sprintf("%s/%d", p, mt)
}

// serverProtocols are the protocols the store implements.
var serverProtocols = map[etp.Protocol]bool{
	etp.ProtocolDiscovery:   true,
	etp.ProtocolStore:       true,
	etp.ProtocolDataArray:   true,
	etp.ProtocolTransaction: true,
	etp.ProtocolDataspace:   true,
}

// receivable reports whether a store/server may receive (p, mt) (BRIEF 8).
func receivable(p etp.Protocol, mt int32) bool {
	if mt == etp.MessageTypeProtocolException || mt == etp.MessageTypeAcknowledge {
		return true
	}
	switch p {
	case etp.ProtocolCore:
		return mt == 1 || (mt >= 5 && mt <= 9)
	case etp.ProtocolDiscovery:
		return mt == 1 || mt == 5
	case etp.ProtocolStore:
		return mt == 1 || mt == 2 || mt == 3 || mt == 8
	case etp.ProtocolDataArray:
		return mt >= 2 && mt <= 6 || mt == 9
	case etp.ProtocolTransaction:
		return mt >= 1 && mt <= 4
	case etp.ProtocolDataspace:
		return mt >= 1 && mt <= 4
	}
	return false
}

// request is one decoded request handed to a handler.
type request struct {
	h    etp.MessageHeader
	body etp.Message
	put  *putAssembled // a reassembled multipart PutDataObjects (body is nil)
}

// dispatch routes a checked message; it reports whether the session goes on.
func (s *session) dispatch(h etp.MessageHeader, body etp.Message) bool {
	switch m := body.(type) {
	case *etp.RequestSession:
		if s.open.Load() {
			s.sendError(h, etp.EInvalidState, "the session is already open")
			return true
		}
		return s.openSession(h, m)
	case *etp.CloseSession:
		s.log.Debug("etp/server: CloseSession received", "reason", m.Reason)
		s.closeWith(websocket.StatusNormalClosure, "")
		return false
	case *etp.Authorize:
		s.authorize(h, m)
		return true
	case *etp.AuthorizeResponse, *etp.Pong, *etp.Acknowledge:
		return true
	case *etp.Ping:
		_ = s.sendSingle(etp.MessageHeader{Protocol: h.Protocol, CorrelationID: h.MessageID},
			&etp.Pong{CurrentDateTime: nowMicros()})
		return true
	case *etp.ProtocolException:
		s.logPeerException(h, m)
		return true
	case *etp.StartTransaction, *etp.CommitTransaction, *etp.RollbackTransaction:
		// Transaction messages are barriers: the requests read before them
		// finish first, so a commit covers every write sent before it.
		s.inflight.Wait()
		s.handleTransaction(request{h: h, body: body})
		return true
	case *etp.PutDataObjects:
		if h.CorrelationID != 0 {
			s.putContinuation(h, m)
			return true
		}
		if !h.HasFlag(etp.FlagFinalPart) || hasBlobs(m) {
			s.putStart(h, m)
			return true
		}
	case *etp.Chunk:
		s.chunk(h, m)
		return true
	case *etp.GetDeletedResources:
		s.sendError(h, etp.ENotSupported, "GetDeletedResources: this store keeps no deletion history")
		return true
	}
	return s.spawn(request{h: h, body: body})
}

// spawn runs a request handler in a new goroutine, waiting for a free slot
// first; it reports false when the session ended meanwhile. spawn owns
// r.body: a pooled PutDataArrays or PutDataSubarrays body goes back to its
// pool once the handler returns.
func (s *session) spawn(r request) bool {
	select {
	case s.sem <- struct{}{}:
	case <-s.ctx.Done():
		putArrayBody(r.body)
		return false
	}
	s.inflight.Add(1)
	go func() {
		defer func() {
			<-s.sem
			s.inflight.Done()
		}()
		s.serve(r)
		// The handler has returned (or panicked and was answered): nothing
		// refers to a pooled body any more.
		putArrayBody(r.body)
	}()
	return true
}

// serve runs the handler of one request, turning a panic into an
// EINVALID_STATE answer so that one bad request cannot kill the server.
func (s *session) serve(r request) {
	defer func() {
		if v := recover(); v != nil {
			s.srv.panics.Add(1)
			s.log.Error("etp/server: handler panic", "message", r.h.String(), "panic", v, "stack", string(debug.Stack()))
			s.sendError(r.h, etp.EInvalidState, "internal error while handling the request")
		}
	}()
	if r.put != nil {
		s.putDataObjects(r.h, r.put.objects, r.put.errs)
		return
	}
	switch m := r.body.(type) {
	case *etp.GetResources:
		s.getResources(r.h, m)
	case *etp.GetDataObjects:
		s.getDataObjects(r.h, m)
	case *etp.PutDataObjects:
		s.putDataObjects(r.h, m.DataObjects, nil)
	case *etp.DeleteDataObjects:
		s.deleteDataObjects(r.h, m)
	case *etp.GetDataArrays:
		s.getDataArrays(r.h, m)
	case *etp.GetDataSubarrays:
		s.getDataSubarrays(r.h, m)
	case *etp.PutDataArrays:
		s.putDataArrays(r.h, m)
	case *etp.PutDataSubarrays:
		s.putDataSubarrays(r.h, m)
	case *etp.GetDataArrayMetadata:
		s.getDataArrayMetadata(r.h, m)
	case *etp.PutUninitializedDataArrays:
		s.putUninitializedDataArrays(r.h, m)
	case *etp.GetDataspaces:
		s.getDataspaces(r.h, m)
	case *etp.PutDataspaces:
		s.putDataspaces(r.h, m)
	case *etp.DeleteDataspaces:
		s.deleteDataspaces(r.h, m)
	default:
		s.sendError(r.h, etp.EInvalidMessageType, fmt.Sprintf("%T is not a request", r.body))
	}
}

func (s *session) logPeerException(h etp.MessageHeader, m *etp.ProtocolException) {
	attrs := []any{"message", h.String()}
	if m.Error != nil {
		attrs = append(attrs, "code", m.Error.Code.String(), "error", m.Error.Message)
	}
	if len(m.Errors) > 0 {
		attrs = append(attrs, "errors", len(m.Errors))
	}
	s.log.Debug("etp/server: ProtocolException received", attrs...)
}

func (s *session) authorize(h etp.MessageHeader, m *etp.Authorize) {
	resp := &etp.AuthorizeResponse{Success: s.srv.tokenMatches(m.Authorization), Challenges: []string{}}
	if !resp.Success {
		resp.Challenges = []string{`Bearer realm="etp"`}
	}
	_ = s.sendSingle(etp.MessageHeader{Protocol: h.Protocol, CorrelationID: h.MessageID}, resp)
}

func nowMicros() int64 { return time.Now().UnixMicro() }
