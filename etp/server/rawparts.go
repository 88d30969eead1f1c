package server

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"

	"github.com/etp-transfer/etp-transfer/etp"
	"github.com/etp-transfer/etp-transfer/etp/server/storage"
)

// Zero-copy array responses. For transports whose Avro encoding is the
// stored little-endian bytes themselves (double, float and, for
// little-endian logical types, bytes), a GetDataArraysResponse or
// GetDataSubarraysResponse part is laid out by hand in a pooled message
// buffer and each array is read from storage straight into its place, so
// the values are copied once (file to buffer) instead of three times (file
// to slice, slice to buffer). Int and long arrays are varints on the wire
// and keep the codec path; so does every part that holds no raw array.
//
// The layout is the codec's (one-block maps and arrays, see
// etp.AppendRecord): map count, then per entry the key and the DataArray
// record (dimensions, union index, value count, values, 0), then 0. The
// framing of each DataArray comes from the codec itself (the encoding of
// the record with no values, whose last byte is the empty array's 0), so
// only the value count and the values are written here.

// rawArray reads the values of one array straight into a message buffer.
type rawArray struct {
	t     etp.AnyArrayType
	n     int64 // elements
	bytes int64 // payload bytes
	swap  int   // element size to byte-swap in place (big-endian logical types), else 0
	read  func(dst []byte) error
}

// rawTransport reports whether values of kind k (logical type l) travel as
// transport t in their stored bytes, and the element size to swap after the
// read (0: none). Only little-endian hosts take the raw path.
func rawTransport(t etp.AnyArrayType, l etp.AnyLogicalArrayType, k storage.ElementKind) (ok bool, swap int) {
	if !littleEndian {
		return false, 0
	}
	switch t {
	case etp.AnyArrayDouble:
		return k == storage.KindFloat64, 0
	case etp.AnyArrayFloat:
		return k == storage.KindFloat32, 0
	case etp.AnyArrayBytes:
		if k.Size() <= 0 {
			return false, 0
		}
		if bigEndianLogical(l) {
			return true, k.Size()
		}
		return true, 0
	}
	return false, 0
}

// arrayItem is one positive entry of an array response: its map entry
// (bound and codec load) and, when the values can be read in place, how.
type arrayItem struct {
	mapEntry[etp.DataArray]
	dims []int64
	raw  *rawArray
}

// arrayPart is a response part being built. In raw mode (some entry of
// the part was planned to be read in place) entries are laid out in buf
// after partPrefix bytes reserved for the header and the map count;
// otherwise the values are collected in vals and the part goes through the
// codec like any other map response.
type arrayPart struct {
	raw   bool
	buf   []byte
	count int // entries in the part
	used  int // sum of their bounds
	vals  map[string]etp.DataArray
}

// partPrefix is the room reserved before the first entry of a part: the
// largest header and the largest map count.
const partPrefix = maxHeaderSize + binary.MaxVarintLen64

// packArrays adds the positive parts of an array response to r, with the
// splitting of packMap: entries are taken in order, a part is closed when
// the next bound does not fit, each entry is loaded when it joins its part
// and an entry that fails to load goes to errs without using room.
func (s *session) packArrays(r *responder, items []arrayItem, errs map[string]etp.ErrorInfo,
	build func(map[string]etp.DataArray) etp.Message) {
	capacity := s.partCapacity(build(nil))
	var p *arrayPart
	for i := range items {
		it := &items[i]
		if it.bound > capacity {
			errs[it.key] = etp.ErrorInfo{Code: etp.EMaxSizeExceeded, Message: fmt.Sprintf(
				"the response for this key needs %d bytes, more than fit one message of the session limit %d",
				it.bound, s.limit())}
			continue
		}
		if p != nil && p.used+it.bound > capacity && p.count > 0 {
			s.flushPart(r, p, build)
			p = nil
		}
		if p == nil {
			p = newArrayPart(items[i:], capacity)
		}
		if ei := s.addItem(p, it); ei != nil {
			errs[it.key] = *ei
		}
	}
	if p != nil {
		if p.count > 0 {
			s.flushPart(r, p, build)
		} else {
			putBuf(p.buf)
		}
	}
}

// newArrayPart starts a part for the entries of items that can share it
// (at most capacity bytes of bounds), in raw mode with room for them all
// when one of them can be read in place.
func newArrayPart(items []arrayItem, capacity int) *arrayPart {
	need, raw := 0, false
	for _, it := range items {
		if it.bound > capacity {
			continue
		}
		if need+it.bound > capacity && need > 0 {
			break
		}
		need += it.bound
		raw = raw || it.raw != nil
	}
	p := &arrayPart{raw: raw, vals: map[string]etp.DataArray{}}
	if raw {
		p.buf = getBuf(partPrefix + need + 1)[:partPrefix]
	}
	return p
}

// addItem adds one entry to p; on a load error p is left as it was.
func (s *session) addItem(p *arrayPart, it *arrayItem) *etp.ErrorInfo {
	if it.raw != nil && p.raw {
		if ei := p.addRaw(it, s.storageError); ei != nil {
			return ei
		}
	} else {
		v, ei := it.load()
		if ei != nil {
			return ei
		}
		if p.raw {
			if ei := p.addEncoded(it.key, v); ei != nil {
				return ei
			}
		} else {
			p.vals[it.key] = v
		}
	}
	p.count++
	p.used += it.bound
	return nil
}

// addEncoded appends key and the codec's encoding of v.
func (p *arrayPart) addEncoded(key string, v etp.DataArray) *etp.ErrorInfo {
	b := append(binary.AppendVarint(p.buf, int64(len(key))), key...)
	b, err := etp.AppendRecord(b, &v)
	if err != nil {
		return errInfo(etp.ENotSupported, "encode data array: %v", err)
	}
	p.buf = b
	return nil
}

// addRaw appends key, the framing of the array and its values read in
// place; conv turns a read error into the key's error.
func (p *arrayPart) addRaw(it *arrayItem, conv func(error) *etp.ErrorInfo) *etp.ErrorInfo {
	ra := it.raw
	start := len(p.buf)
	b := append(binary.AppendVarint(p.buf, int64(len(it.key))), it.key...)
	empty := etp.DataArray{Dimensions: it.dims, Data: etp.AnyArray{Type: ra.t}}
	b, err := etp.AppendRecord(b, &empty)
	if err != nil {
		p.buf = b[:start]
		return errInfo(etp.ENotSupported, "encode data array: %v", err)
	}
	b = b[:len(b)-1] // the empty array's terminator (bytes: its length 0)
	if ra.t == etp.AnyArrayBytes {
		b = binary.AppendVarint(b, ra.bytes)
	} else if ra.n > 0 {
		b = binary.AppendVarint(b, ra.n)
	}
	off := len(b)
	b = growLen(b, int(ra.bytes))
	if err := ra.read(b[off:]); err != nil {
		p.buf = b[:start] // b may be a new buffer; keep it
		return conv(err)
	}
	if ra.swap > 0 {
		swapBytes(b[off:], ra.swap)
	}
	if ra.t != etp.AnyArrayBytes {
		b = append(b, 0)
	}
	p.buf = b
	return nil
}

// growLen extends b by n bytes (contents unspecified), reallocating only
// when its capacity is too small.
func growLen(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b[:len(b)+n]
	}
	nb := make([]byte, len(b)+n, len(b)+n+len(b)/4)
	copy(nb, b)
	putBuf(b)
	return nb
}

// flushPart adds part p to r.
func (s *session) flushPart(r *responder, p *arrayPart, build func(map[string]etp.DataArray) etp.Message) {
	if !p.raw {
		r.add(build(p.vals))
		return
	}
	if r.err != nil || r.encErr != nil {
		putBuf(p.buf)
		return
	}
	m, err := s.finishRawPart(r, p, build(nil))
	if err != nil {
		r.s.log.Error("etp/server: response part cannot be sent", "err", err)
		if r.err == nil && r.encErr == nil {
			r.encErr = err
		}
		return
	}
	r.push(m)
}

// finishRawPart writes the map count, the terminator and the header of a
// raw-mode part. In a session that compresses, a part the codec would
// compress (small, or whose values pass the codec's sampling) is handed to
// the codec instead, decoded from the buffer.
func (s *session) finishRawPart(r *responder, p *arrayPart, empty etp.Message) (*outMsg, error) {
	b := append(p.buf, 0)
	var cnt [binary.MaxVarintLen64]byte
	cn := binary.PutVarint(cnt[:], int64(p.count))
	bodyStart := partPrefix - cn
	copy(b[bodyStart:], cnt[:cn])
	h := etp.MessageHeader{Protocol: int32(empty.MessageProtocol()), MessageType: empty.MessageType(),
		CorrelationID: r.corr, MessageID: placeholderID, MessageFlags: etp.FlagFinalPart}
	var hb [maxHeaderSize]byte
	hdr, err := etp.AppendRecord(hb[:0], &h)
	if err != nil {
		putBuf(b)
		return nil, fmt.Errorf("etp/server: encode header %s: %w", h, err)
	}
	off := bodyStart - len(hdr)
	copy(b[off:], hdr)
	msg := b[off:]
	if s.open.Load() && s.compress && !incompressible(b[bodyStart:]) {
		// The decoded body may share b: b goes back to the pool only once
		// the codec has encoded it.
		defer putBuf(b)
		_, body, err := etp.DecodeMessage(msg, nil)
		if err != nil {
			return nil, fmt.Errorf("etp/server: re-decode %s: %w", h, err)
		}
		return s.encode(r.protocol, r.corr, body)
	}
	if limit := s.limit(); int64(len(msg)) > limit {
		putBuf(b)
		return nil, fmt.Errorf("etp/server: %T of %d bytes: %w (%d)", empty, len(msg), errTooBig, limit)
	}
	return &outMsg{buf: msg, whole: b, hdrLen: len(hdr), h: h}, nil
}

// Mirrors of the codec's compression rules (etp.AppendMessage): payloads
// under codecMinCompress are never compressed; from codecSampleThreshold on,
// the last codecSampleSize bytes must shrink by 1/codecSampleGain for the
// whole payload to be tried. Only the decision to skip the codec depends on
// them: a payload judged compressible here is compressed (or not) by the
// codec itself.
const (
	codecMinCompress     = 64
	codecSampleThreshold = 256 << 10
	codecSampleSize      = 64 << 10
	codecSampleGain      = 50
)

// incompressible reports whether the codec would send payload p
// uncompressed without trying the whole of it.
func incompressible(p []byte) bool {
	if len(p) < codecMinCompress {
		return true
	}
	if len(p) < codecSampleThreshold {
		return false
	}
	w := &limitWriter{max: codecSampleSize - codecSampleSize/codecSampleGain}
	zw := probeWriters.Get().(*gzip.Writer)
	zw.Reset(w)
	_, err := zw.Write(p[len(p)-codecSampleSize:])
	if err == nil {
		err = zw.Close()
	}
	zw.Reset(io.Discard)
	probeWriters.Put(zw)
	return err != nil
}

var probeWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed) // the level is valid
	return w
}}

// limitWriter counts bytes and fails once more than max were written.
type limitWriter struct{ n, max int }

var errLimit = errors.New("limit reached")

func (w *limitWriter) Write(p []byte) (int, error) {
	if w.n+len(p) > w.max {
		return 0, errLimit
	}
	w.n += len(p)
	return len(p), nil
}
