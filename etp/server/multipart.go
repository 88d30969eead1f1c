package server

import (
	"fmt"
	"sync"
	"time"

	"github.com/etp-transfer/etp-transfer/etp"
)

// Multipart PutDataObjects requests (BRIEF 4.2, 6.2): the first
// PutDataObjects message (correlationId 0) is followed by more
// PutDataObjects parts and Store Chunk messages carrying the bytes of the
// objects announced with a blobId, all correlated to the first message,
// until one arrives with FIN. The read loop assembles them here; the
// complete request is then handled like a single PutDataObjects.

// maxCancelled bounds the remembered ids of cancelled multipart requests,
// whose remaining parts are dropped silently.
const maxCancelled = 1024

type multipartState struct {
	mu        sync.Mutex
	reqs      map[int64]*putAssembly
	bytes     int64 // chunk bytes held by all requests of the session
	cancelled map[int64]struct{}
	order     []int64
}

type putAssembly struct {
	h       etp.MessageHeader // the first part
	objects map[string]etp.DataObject
	errs    map[string]etp.ErrorInfo
	blobs   map[etp.UUID]*blob
	timer   *time.Timer
	bytes   int64
}

type blob struct {
	key    string
	data   []byte
	final  bool
	failed bool
}

// putAssembled is a complete PutDataObjects request.
type putAssembled struct {
	objects map[string]etp.DataObject
	errs    map[string]etp.ErrorInfo
}

func (m *multipartState) init() {
	m.reqs = map[int64]*putAssembly{}
	m.cancelled = map[int64]struct{}{}
}

// clear drops every request in progress (the session ended).
func (m *multipartState) clear() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, a := range m.reqs {
		a.timer.Stop()
		delete(m.reqs, id)
	}
	m.bytes = 0
}

// markCancelled remembers that the parts of request id are to be dropped;
// the caller holds m.mu.
func (m *multipartState) markCancelled(id int64) {
	if len(m.order) >= maxCancelled {
		delete(m.cancelled, m.order[0])
		m.order = m.order[1:]
	}
	m.cancelled[id] = struct{}{}
	m.order = append(m.order, id)
}

// dropIfCancelled reports whether a part of request id belongs to a
// cancelled request (and forgets it on the final part); the caller holds
// m.mu.
func (m *multipartState) dropIfCancelled(id int64, fin bool) bool {
	if _, ok := m.cancelled[id]; !ok {
		return false
	}
	if fin {
		delete(m.cancelled, id)
	}
	return true
}

func hasBlobs(m *etp.PutDataObjects) bool {
	for _, d := range m.DataObjects {
		if d.BlobID != nil {
			return true
		}
	}
	return false
}

// putStart begins a multipart PutDataObjects request (or one whose objects
// announce blobs).
func (s *session) putStart(h etp.MessageHeader, m *etp.PutDataObjects) {
	mp := &s.mp
	fin := h.HasFlag(etp.FlagFinalPart)
	mp.mu.Lock()
	if len(mp.reqs) >= s.srv.opts.MaxConcurrentMultipart {
		if !fin {
			mp.markCancelled(h.MessageID)
		}
		mp.mu.Unlock()
		s.sendError(h, etp.EMultipartCancelled, fmt.Sprintf(
			"%d multipart requests already in progress, the MaxConcurrentMultipart of this store", len(mp.reqs)))
		return
	}
	a := &putAssembly{h: h, objects: map[string]etp.DataObject{}, errs: map[string]etp.ErrorInfo{},
		blobs: map[etp.UUID]*blob{}}
	a.merge(m)
	if fin {
		mp.mu.Unlock()
		s.finishPut(a)
		return
	}
	mp.reqs[h.MessageID] = a
	a.timer = time.AfterFunc(s.srv.opts.MultipartTimeout, func() { s.multipartTimeout(a) })
	mp.mu.Unlock()
}

// merge adds the objects of one PutDataObjects part.
func (a *putAssembly) merge(m *etp.PutDataObjects) {
	for k, d := range m.DataObjects {
		if _, dup := a.objects[k]; dup {
			a.errs[k] = etp.ErrorInfo{Code: etp.EInvalidArgument, Message: "key sent twice in one multipart PutDataObjects"}
			continue
		}
		if _, dup := a.errs[k]; dup {
			continue
		}
		a.objects[k] = d
		if d.BlobID == nil {
			continue
		}
		switch {
		case len(d.Data) > 0:
			a.errs[k] = etp.ErrorInfo{Code: etp.EInvalidArgument, Message: "data must be empty when blobId is set"}
		case a.blobs[*d.BlobID] != nil:
			a.errs[k] = etp.ErrorInfo{Code: etp.EInvalidArgument, Message: fmt.Sprintf("blobId %s used twice", d.BlobID)}
		default:
			a.blobs[*d.BlobID] = &blob{key: k}
		}
	}
}

// lookupPart finds the request a continuation part belongs to. It answers
// stray parts itself and returns nil for them; the caller holds mp.mu and
// it is released when it returns nil.
func (s *session) lookupPart(h etp.MessageHeader) *putAssembly {
	mp := &s.mp
	corr := h.CorrelationID
	if a := mp.reqs[corr]; a != nil {
		return a
	}
	dropped := mp.dropIfCancelled(corr, h.HasFlag(etp.FlagFinalPart))
	mp.mu.Unlock()
	if !dropped {
		s.sendError(h, etp.EInvalidState, fmt.Sprintf(
			"%s correlates to message %d, which is not a multipart PutDataObjects in progress",
			messageName(etp.Protocol(h.Protocol), h.MessageType), corr))
	}
	return nil
}

// putContinuation handles a second or later PutDataObjects part.
func (s *session) putContinuation(h etp.MessageHeader, m *etp.PutDataObjects) {
	mp := &s.mp
	mp.mu.Lock()
	a := s.lookupPart(h)
	if a == nil {
		return
	}
	a.merge(m)
	s.partReceived(a, h)
}

// chunk handles a Store Chunk part.
func (s *session) chunk(h etp.MessageHeader, c *etp.Chunk) {
	mp := &s.mp
	o := &s.srv.opts
	mp.mu.Lock()
	a := s.lookupPart(h)
	if a == nil {
		return
	}
	b := a.blobs[c.BlobID]
	if b == nil {
		s.cancelLocked(a, h.HasFlag(etp.FlagFinalPart))
		mp.mu.Unlock()
		s.sendError(a.h, etp.EInvalidArgument, fmt.Sprintf(
			"Chunk for blob %s, which no DataObject of the request announced; request cancelled", c.BlobID))
		return
	}
	switch {
	case b.failed:
	case b.final:
		b.failed = true
		a.errs[b.key] = etp.ErrorInfo{Code: etp.EInvalidArgument, Message: "Chunk after the final chunk of the blob"}
		s.release(a, int64(len(b.data)))
		b.data = nil
	case int64(len(b.data))+int64(len(c.Data)) > o.MaxDataObjectSize:
		b.failed = true
		a.errs[b.key] = etp.ErrorInfo{Code: etp.EMaxSizeExceeded, Message: fmt.Sprintf(
			"data object larger than the MaxDataObjectSize of %d bytes", o.MaxDataObjectSize)}
		s.release(a, int64(len(b.data)))
		b.data = nil
	case mp.bytes+int64(len(c.Data)) > int64(o.MaxConcurrentMultipart)*o.MaxDataObjectSize:
		s.cancelLocked(a, h.HasFlag(etp.FlagFinalPart))
		mp.mu.Unlock()
		s.sendError(a.h, etp.EMultipartCancelled, fmt.Sprintf(
			"the session's pending chunks exceed %d bytes (MaxConcurrentMultipart x MaxDataObjectSize); request cancelled",
			int64(o.MaxConcurrentMultipart)*o.MaxDataObjectSize))
		return
	default:
		b.data = append(b.data, c.Data...)
		a.bytes += int64(len(c.Data))
		mp.bytes += int64(len(c.Data))
	}
	if c.Final {
		b.final = true
	}
	s.partReceived(a, h)
}

func (s *session) release(a *putAssembly, n int64) {
	a.bytes -= n
	s.mp.bytes -= n
}

// partReceived restarts the request's timer, or completes the request on
// FIN. The caller holds mp.mu; it is released.
func (s *session) partReceived(a *putAssembly, h etp.MessageHeader) {
	mp := &s.mp
	if !h.HasFlag(etp.FlagFinalPart) {
		a.timer.Reset(s.srv.opts.MultipartTimeout)
		mp.mu.Unlock()
		return
	}
	delete(mp.reqs, a.h.MessageID)
	a.timer.Stop()
	mp.bytes -= a.bytes
	mp.mu.Unlock()
	s.finishPut(a)
}

// cancelLocked drops request a; the caller holds mp.mu.
func (s *session) cancelLocked(a *putAssembly, fin bool) {
	mp := &s.mp
	delete(mp.reqs, a.h.MessageID)
	if a.timer != nil {
		a.timer.Stop()
	}
	mp.bytes -= a.bytes
	a.bytes = 0
	if !fin {
		mp.markCancelled(a.h.MessageID)
	}
}

func (s *session) multipartTimeout(a *putAssembly) {
	mp := &s.mp
	mp.mu.Lock()
	if mp.reqs[a.h.MessageID] != a {
		mp.mu.Unlock()
		return
	}
	s.cancelLocked(a, false)
	mp.mu.Unlock()
	s.sendError(a.h, etp.ETimedOut, fmt.Sprintf(
		"multipart PutDataObjects cancelled: no part within the MultipartMessageTimeoutPeriod (%s)", s.srv.opts.MultipartTimeout))
}

// finishPut hands a complete request to a handler.
func (s *session) finishPut(a *putAssembly) {
	for _, b := range a.blobs {
		if b.failed {
			continue
		}
		if !b.final {
			a.errs[b.key] = etp.ErrorInfo{Code: etp.EInvalidArgument, Message: "the request ended before the final Chunk of the blob"}
			continue
		}
		d := a.objects[b.key]
		d.Data, d.BlobID = b.data, nil
		if d.Data == nil {
			d.Data = []byte{}
		}
		a.objects[b.key] = d
	}
	for k := range a.errs {
		delete(a.objects, k)
	}
	s.spawn(request{h: a.h, put: &putAssembled{objects: a.objects, errs: a.errs}})
}
