package server

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/etp-transfer/etp-transfer/etp"
)

// placeholderID is the message id messages are encoded with before the real
// id is known: the largest varint, so the real header is never longer and
// can be written right-aligned in its place (see session.write).
const placeholderID = int64(1) << 62

// maxHeaderSize bounds the encoded size of any MessageHeader.
const maxHeaderSize = 40

// errTooBig reports a message that does not fit the session limit.
var errTooBig = errors.New("message exceeds the session's MaxWebSocketMessagePayloadSize")

// outMsg is an encoded message waiting for its message id.
type outMsg struct {
	buf    []byte            // header (with placeholderID) then payload
	whole  []byte            // when set, the pooled buffer buf lies in
	hdrLen int               // length of the placeholder header
	h      etp.MessageHeader // the header as encoded (flags include FlagCompressed)
}

// release returns the buffer of m to the pool.
func (m *outMsg) release() {
	if m.whole != nil {
		putBuf(m.whole)
		return
	}
	putBuf(m.buf)
}

var msgBufs sync.Pool // *[]byte

func getBuf(size int) []byte {
	if p, ok := msgBufs.Get().(*[]byte); ok && cap(*p) >= size {
		return (*p)[:0]
	}
	return make([]byte, 0, size)
}

func putBuf(b []byte) {
	if cap(b) == 0 || cap(b) > 64<<20 {
		return
	}
	b = b[:0]
	msgBufs.Put(&b)
}

// encode encodes body for the wire with FIN set; protocol is used for
// ProtocolException and Acknowledge (others carry their own). It fails with
// errTooBig when the encoded message exceeds the session limit.
func (s *session) encode(protocol int32, corr int64, body etp.Message) (*outMsg, error) {
	h := etp.MessageHeader{Protocol: protocol, CorrelationID: corr, MessageID: placeholderID,
		MessageFlags: etp.FlagFinalPart}
	size := etp.HeaderSize(h) + etp.EncodedSize(body)
	compress := s.open.Load() && s.compress
	buf, hout, err := etp.AppendMessage(getBuf(size), h, body, compress)
	if err != nil {
		return nil, fmt.Errorf("etp/server: encode %T: %w", body, err)
	}
	if limit := s.limit(); int64(len(buf)) > limit {
		putBuf(buf)
		return nil, fmt.Errorf("etp/server: %T of %d bytes: %w (%d)", body, len(buf), errTooBig, limit)
	}
	return &outMsg{buf: buf, hdrLen: etp.HeaderSize(hout), h: hout}, nil
}

// write assigns the next message id, sets or clears FIN and sends m. A write
// error closes the connection (the session ends) and is returned.
func (s *session) write(m *outMsg, fin bool) error {
	defer m.release()
	h := m.h
	if fin {
		h.MessageFlags |= etp.FlagFinalPart
	} else {
		h.MessageFlags &^= etp.FlagFinalPart
	}
	s.mu.Lock()
	w, closed := s.w, s.closed
	s.mu.Unlock()
	if w == nil || closed {
		return errSessionClosed
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	h.MessageID = s.nextID
	var hb [maxHeaderSize]byte
	hdr, err := etp.AppendRecord(hb[:0], &h)
	if err != nil || len(hdr) > m.hdrLen {
		return fmt.Errorf("etp/server: re-encode header %s: %v", h, err)
	}
	start := m.hdrLen - len(hdr)
	copy(m.buf[start:], hdr)
	ctx, cancel := context.WithTimeout(s.ctx, s.srv.opts.WriteTimeout)
	defer cancel()
	frame := s.srv.opts.MaxFrameSize
	if s.open.Load() {
		frame = s.frameLimit
	}
	if err := w.Write(ctx, m.buf[start:], frame); err != nil {
		s.log.Debug("etp/server: write failed; closing the session", "message", h.String(), "err", err)
		s.closeNow()
		return fmt.Errorf("etp/server: write %s: %w", h, err)
	}
	s.nextID += 2
	return nil
}

var errSessionClosed = errors.New("etp/server: session closed")

// sendSingle sends one standalone message (FIN set) with the protocol and
// correlation id of h.
func (s *session) sendSingle(h etp.MessageHeader, body etp.Message) error {
	m, err := s.encode(h.Protocol, h.CorrelationID, body)
	if err != nil {
		s.log.Error("etp/server: cannot send", "err", err)
		return err
	}
	return s.write(m, true)
}

// maxErrorText bounds the text of error messages sent to clients.
const maxErrorText = 1024

func clipText(msg string) string {
	if len(msg) > maxErrorText {
		return msg[:maxErrorText-3] + "..."
	}
	return msg
}

// sendError answers the request with header req (zero header: a message
// whose header could not be decoded) with a whole-request
// ProtocolException, FIN set.
func (s *session) sendError(req etp.MessageHeader, code etp.ErrorCode, msg string) {
	s.log.Debug("etp/server: refusing message", "message", req.String(), "code", code.String(), "reason", msg)
	pe := &etp.ProtocolException{Error: &etp.ErrorInfo{Message: clipText(msg), Code: code}}
	_ = s.sendSingle(etp.MessageHeader{Protocol: req.Protocol, CorrelationID: req.MessageID}, pe)
}

// responder sends the parts of one (possibly multipart) response. Each part
// is held until the next one is added, so that FIN goes on the last one
// (BRIEF 4.2). A response of more than one part takes a slot of the client's
// MaxConcurrentMultipart for its protocol.
type responder struct {
	s        *session
	protocol int32
	corr     int64
	held     *outMsg
	parts    int
	slot     chan struct{}
	err      error // write error: the session is gone
	encErr   error // a part could not be encoded
}

func (s *session) respond(req etp.MessageHeader) *responder {
	return &responder{s: s, protocol: req.Protocol, corr: req.MessageID}
}

// add queues the next part; the previous one is sent without FIN.
func (r *responder) add(body etp.Message) {
	if r.err != nil || r.encErr != nil {
		return
	}
	m, err := r.s.encode(r.protocol, r.corr, body)
	if err != nil {
		r.s.log.Error("etp/server: response part cannot be sent", "err", err)
		r.encErr = err
		return
	}
	r.push(m)
}

func (r *responder) push(m *outMsg) {
	if r.held != nil {
		if r.parts == 1 {
			if sem := r.s.mpSem[r.protocol]; sem != nil {
				select {
				case sem <- struct{}{}:
					r.slot = sem
				case <-r.s.ctx.Done():
					r.err = errSessionClosed
					r.held.release()
					m.release()
					r.held = nil
					return
				}
			}
		}
		r.err = r.s.write(r.held, false)
	}
	r.held = m
	r.parts++
	if r.err != nil {
		m.release()
		r.held = nil
	}
}

// finish sends the last part with FIN. If a part could not be encoded, the
// response ends with a ProtocolException saying so.
func (r *responder) finish() {
	defer func() {
		if r.slot != nil {
			<-r.slot
			r.slot = nil
		}
	}()
	if r.err != nil {
		return
	}
	if r.encErr != nil {
		pe := &etp.ProtocolException{Error: &etp.ErrorInfo{Code: etp.EMaxSizeExceeded,
			Message: clipText("response part cannot be sent: " + r.encErr.Error())}}
		m, err := r.s.encode(r.protocol, r.corr, pe)
		if err != nil {
			r.s.log.Error("etp/server: cannot send", "err", err)
			if r.held != nil {
				_ = r.s.write(r.held, true)
			}
			return
		}
		r.push(m)
	}
	if r.held == nil {
		// Nothing was added: an empty answer still needs its FIN.
		pe := &etp.ProtocolException{Error: &etp.ErrorInfo{Code: etp.EInvalidState, Message: "empty response"}}
		m, err := r.s.encode(r.protocol, r.corr, pe)
		if err != nil {
			return
		}
		r.held = m
	}
	_ = r.s.write(r.held, true)
	r.held = nil
}

// partCapacity is the room for map or array entries in one part whose empty
// body is empty: the session limit minus header, the empty body and a
// worst-case block count.
func (s *session) partCapacity(empty etp.Message) int {
	c := s.limit() - maxHeaderSize - int64(etp.EncodedSize(empty)) - 10
	return int(max(c, 0))
}

// mapEntry is one entry of a map response: its key, a bound on the encoded
// size of key and value, and a function producing the value (or, failing,
// the error for that key). load is called once, when the part holding the
// entry is built.
type mapEntry[V any] struct {
	key   string
	bound int
	load  func() (V, *etp.ErrorInfo)
}

// entrySize is the encoded size of one entry of a map response.
func entrySize[V any](build func(map[string]V) etp.Message, key string, v V) int {
	return etp.EncodedSize(build(map[string]V{key: v})) - etp.EncodedSize(build(nil)) + 1
}

// sendMap sends a map response (BRIEF 4.2, 4.3): the positive entries
// packed into as few parts as fit the session limit (FIN clear), then the
// per-key errors in ProtocolException parts, FIN on the last message. An
// entry larger than a part becomes an EMAXSIZE_EXCEEDED error. With no
// entries and no errors one empty positive response is sent; when every key
// failed only the ProtocolException is sent.
func sendMap[V any](s *session, req etp.MessageHeader, entries []mapEntry[V], errs map[string]etp.ErrorInfo,
	build func(map[string]V) etp.Message) {
	if errs == nil {
		errs = map[string]etp.ErrorInfo{}
	}
	r := s.respond(req)
	packMap(r, entries, errs, build)
	if r.parts == 0 && len(errs) == 0 {
		r.add(build(nil))
	}
	sendErrors(r, errs)
	r.finish()
}

// packMap adds the positive parts of a map response to r, loading each
// entry when its part is built; entries that are too large or fail to load
// go to errs.
func packMap[V any](r *responder, entries []mapEntry[V], errs map[string]etp.ErrorInfo, build func(map[string]V) etp.Message) {
	s := r.s
	capacity := s.partCapacity(build(nil))
	cur := map[string]V{}
	used := 0
	for _, e := range entries {
		if e.bound > capacity {
			errs[e.key] = etp.ErrorInfo{Code: etp.EMaxSizeExceeded, Message: fmt.Sprintf(
				"the response for this key needs %d bytes, more than fit one message of the session limit %d",
				e.bound, s.limit())}
			continue
		}
		if used+e.bound > capacity && len(cur) > 0 {
			r.add(build(cur))
			cur = map[string]V{}
			used = 0
		}
		v, ei := e.load()
		if ei != nil {
			errs[e.key] = *ei
			continue
		}
		cur[e.key] = v
		used += e.bound
	}
	if len(cur) > 0 {
		r.add(build(cur))
	}
}

// sendErrors adds ProtocolException parts carrying errs (split to fit).
func sendErrors(r *responder, errs map[string]etp.ErrorInfo) {
	if len(errs) == 0 {
		return
	}
	build := func(m map[string]etp.ErrorInfo) etp.Message { return &etp.ProtocolException{Errors: m} }
	capacity := r.s.partCapacity(build(nil))
	cur := map[string]etp.ErrorInfo{}
	used := 0
	for _, k := range slices.Sorted(maps.Keys(errs)) {
		e := errs[k]
		e.Message = clipText(e.Message)
		n := entrySize(build, k, e)
		if n > capacity {
			e.Message = ""
			n = entrySize(build, k, e)
		}
		if n > capacity {
			r.s.log.Error("etp/server: error entry of a huge key cannot be sent", "key bytes", len(k))
			continue
		}
		if used+n > capacity && len(cur) > 0 {
			r.add(build(cur))
			cur = map[string]etp.ErrorInfo{}
			used = 0
		}
		cur[k] = e
		used += n
	}
	if len(cur) > 0 {
		r.add(build(cur))
	}
}
