package etp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// DefaultMaxDecompressedSize is the limit on the decompressed size of one
// message (extension plus body) when DecodeOptions.MaxDecompressedSize is 0:
// 128 MiB.
const DefaultMaxDecompressedSize int64 = 128 << 20

// compressLevel is the gzip level of compressed messages: the fastest
// klauspost level, which stores incompressible (e.g. random float64) data at
// memory speed and still shrinks structured data.
const compressLevel = gzip.BestSpeed

// minCompressSize is the smallest payload worth compressing: gzip adds 18
// bytes of header and trailer, so smaller payloads never pay.
const minCompressSize = 64

// DecodeOptions tunes DecodeMessage. A nil *DecodeOptions means defaults.
type DecodeOptions struct {
	// MaxDecompressedSize caps the size of a compressed message's payload
	// (extension and body) after decompression, so a small gzip bomb cannot
	// make the decoder allocate without bound. Values <= 0 mean
	// DefaultMaxDecompressedSize. Exceeding it is a *DecodeError with Code
	// EMaxSizeExceeded. Uncompressed messages are bounded by their own length.
	MaxDecompressedSize int64
}

func (o *DecodeOptions) maxDecompressed() int64 {
	if o == nil || o.MaxDecompressedSize <= 0 {
		return DefaultMaxDecompressedSize
	}
	return o.MaxDecompressedSize
}

// DecodeError is returned by every decoding function of the package. Code is
// the ETP error code a receiver should answer with in a ProtocolException
// (BRIEF 2.11):
//   - EInvalidMessage (19): the header or body cannot be decoded, trailing
//     bytes, corrupt gzip data;
//   - EInvalidMessageType (3): unknown (protocol, messageType);
//   - ECompressionNotSupported (13): a compressed Core (protocol 0) message;
//   - EMaxSizeExceeded (17): the decompressed payload exceeds
//     DecodeOptions.MaxDecompressedSize.
//
// When HasHeader is true, Header holds the decoded header (its MessageID is the
// correlationId of the answer); otherwise the answer uses correlationId 0.
type DecodeError struct {
	Code      ErrorCode
	HasHeader bool
	Header    MessageHeader
	Err       error
}

// Error formats the error with the header (when decoded) and the code name,
// e.g. "etp: decode Store/2 id=4 corr=0 flags=0x2: EINVALID_MESSAGE: ...".
func (e *DecodeError) Error() string {
	var where string
	if e.HasHeader {
		where = " " + e.Header.String()
	}
	return fmt.Sprintf("etp: decode%s: %s: %v", where, e.Code, e.Err)
}

// Unwrap returns the underlying cause.
func (e *DecodeError) Unwrap() error { return e.Err }

// Record is implemented by every record and message type of the package
// (pointer receivers), e.g. *ServerCapabilities or *DataArray, so they can
// be encoded on their own with AppendRecord and DecodeRecord. The set is
// closed.
type Record interface {
	bodyCodec
}

func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

// AppendRecord appends the Avro binary encoding of r to dst (map entries in
// key order, arrays as one block). It fails for a nil r and for values the
// schema cannot represent (invalid enum or AnyArray type); dst is then
// returned unchanged.
func AppendRecord(dst []byte, r Record) ([]byte, error) {
	if isNil(r) {
		return dst, errors.New("etp: AppendRecord of a nil record")
	}
	e := encoder{b: slices.Grow(dst, r.sizeAvro())}
	r.encodeAvro(&e)
	if e.err != nil {
		return dst, e.err
	}
	return e.b, nil
}

// DecodeRecord decodes one Avro record of r's type from the start of b into r
// and returns the number of bytes consumed. Trailing bytes are left to the
// caller. Errors are *DecodeError with Code EInvalidMessage.
func DecodeRecord(b []byte, r Record) (int, error) {
	if isNil(r) {
		return 0, errors.New("etp: DecodeRecord into a nil record")
	}
	d := decoder{b: b}
	r.decodeAvro(&d)
	if d.err != nil {
		return d.off, &DecodeError{Code: EInvalidMessage, Err: d.err}
	}
	return d.off, nil
}

// EncodedSize returns the exact size of the uncompressed Avro encoding of
// body (without header). It does not allocate; it is O(number of values) for
// int/long/string arrays and O(1) per float/double array. A nil body is 0.
func EncodedSize(body Message) int {
	if isNil(body) {
		return 0
	}
	return body.sizeAvro()
}

// HeaderSize returns the encoded size of h (5 to 40 bytes).
func HeaderSize(h MessageHeader) int { return h.sizeAvro() }

// AppendMessage appends one complete ETP message, header then body, to dst
// and returns the extended slice and the header actually written
// (BRIEF 2.2-2.4, 2.8).
//
// The header's MessageType is taken from body, and so is its Protocol except
// for ProtocolException and Acknowledge, which keep h.Protocol (they are sent
// with the protocol of the message they answer). FlagCompressed in h is
// ignored: if compress is true and the message may be compressed (never
// protocol 0, never 1000/1001), the body is gzip'ed at the fastest level and
// FlagCompressed set, but only when that makes the message smaller. h must not
// carry FlagHasHeaderExtension; use AppendMessageWithExtension for that.
//
// On error dst is returned unchanged. AppendMessage is safe for concurrent use.
func AppendMessage(dst []byte, h MessageHeader, body Message, compress bool) ([]byte, MessageHeader, error) {
	if h.MessageFlags&FlagHasHeaderExtension != 0 {
		return dst, h, errors.New("etp: AppendMessage: FlagHasHeaderExtension set without an extension")
	}
	return appendMessage(dst, h, nil, body, compress)
}

// AppendMessageWithExtension is AppendMessage with a MessageHeaderExtension
// between header and body (BRIEF 2.7): FlagHasHeaderExtension is set, and when
// the message is compressed the extension is compressed with the body. Only
// send one when both endpoints declared SupportsMessageHeaderExtensions. A nil
// ext behaves like AppendMessage.
func AppendMessageWithExtension(dst []byte, h MessageHeader, ext *MessageHeaderExtension, body Message,
	compress bool) ([]byte, MessageHeader, error) {
	if ext == nil {
		return AppendMessage(dst, h, body, compress)
	}
	return appendMessage(dst, h, ext, body, compress)
}

func appendMessage(dst []byte, h MessageHeader, ext *MessageHeaderExtension, body Message,
	compress bool) ([]byte, MessageHeader, error) {
	if isNil(body) {
		return dst, h, errors.New("etp: AppendMessage of a nil body")
	}
	h.MessageType = body.MessageType()
	if h.MessageType != MessageTypeProtocolException && h.MessageType != MessageTypeAcknowledge {
		h.Protocol = int32(body.MessageProtocol())
	}
	h.MessageFlags &^= FlagCompressed | FlagHasHeaderExtension
	payloadSize := body.sizeAvro()
	if ext != nil {
		h.MessageFlags |= FlagHasHeaderExtension
		payloadSize += ext.sizeAvro()
	}
	start := len(dst)
	e := encoder{b: slices.Grow(dst, h.sizeAvro()+payloadSize)}
	h.encodeAvro(&e)
	payloadStart := len(e.b)
	if ext != nil {
		ext.encodeAvro(&e)
	}
	body.encodeAvro(&e)
	if e.err != nil {
		return dst[:start], h, fmt.Errorf("etp: encode %s: %w", h, e.err)
	}
	if !compress || !compressible(h.Protocol, h.MessageType) || len(e.b)-payloadStart < minCompressSize {
		return e.b, h, nil
	}
	plainHeader := payloadStart - start
	ch := h
	ch.MessageFlags |= FlagCompressed
	// The compressed message must be strictly smaller than the plain one.
	limit := plainHeader + (len(e.b) - payloadStart) - ch.sizeAvro() - 1
	buf, ok := gzipBounded(e.b[payloadStart:], limit)
	if !ok {
		return e.b, h, nil
	}
	out := encoder{b: e.b[:start]}
	ch.encodeAvro(&out)
	out.b = append(out.b, buf.b...)
	putGzipBuffer(buf)
	return out.b, ch, nil
}

// errNotSmaller stops compression as soon as the output reaches the limit.
var errNotSmaller = errors.New("compressed output not smaller")

// boundedBuffer is an io.Writer that fails once more than max bytes were
// written.
type boundedBuffer struct {
	b   []byte
	max int
}

// Write appends p, or fails with errNotSmaller when that would exceed max.
func (w *boundedBuffer) Write(p []byte) (int, error) {
	if len(w.b)+len(p) > w.max {
		return 0, errNotSmaller
	}
	w.b = append(w.b, p...)
	return len(p), nil
}

var (
	gzipWriters = sync.Pool{New: func() any {
		w, _ := gzip.NewWriterLevel(io.Discard, compressLevel) // the level is valid
		return w
	}}
	gzipBuffers = sync.Pool{New: func() any { return new(boundedBuffer) }}
	gzipReaders = sync.Pool{New: func() any { return new(gzip.Reader) }}
)

func putGzipBuffer(b *boundedBuffer) {
	b.b = b.b[:0]
	gzipBuffers.Put(b)
}

// gzipBounded compresses p into a pooled buffer and reports false when the
// result would exceed limit bytes. The caller returns the buffer with
// putGzipBuffer.
//
// Large payloads are probed first: if a sample from the end of p (where the
// array values are) does not shrink by at least sampleMinGain, the whole
// payload is assumed incompressible (random or smooth float data) and is not
// compressed, which costs a 64 KiB compression instead of a full one.
func gzipBounded(p []byte, limit int) (*boundedBuffer, bool) {
	if limit <= 0 {
		return nil, false
	}
	if len(p) >= sampleThreshold {
		sample := p[len(p)-sampleSize:]
		buf, ok := gzipInto(sample, sampleSize-sampleSize/sampleMinGain)
		if !ok {
			return nil, false
		}
		putGzipBuffer(buf)
	}
	return gzipInto(p, limit)
}

// Sampling parameters of gzipBounded: payloads of at least sampleThreshold
// bytes are compressed only if their last sampleSize bytes compress to less
// than (1 - 1/sampleMinGain) of their size.
const (
	sampleThreshold = 256 << 10
	sampleSize      = 64 << 10
	sampleMinGain   = 50 // 2%
)

func gzipInto(p []byte, limit int) (*boundedBuffer, bool) {
	buf := gzipBuffers.Get().(*boundedBuffer)
	if cap(buf.b) < limit {
		buf.b = make([]byte, 0, limit)
	}
	buf.b, buf.max = buf.b[:0], limit
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(buf)
	_, err := zw.Write(p)
	if err == nil {
		err = zw.Close()
	}
	zw.Reset(io.Discard)
	gzipWriters.Put(zw)
	if err != nil {
		putGzipBuffer(buf)
		return nil, false
	}
	return buf, true
}

// inflate decompresses one gzip payload (RFC 1952, possibly several members)
// into a new slice of at most max bytes.
func inflate(p []byte, max int64) ([]byte, ErrorCode, error) {
	zr := gzipReaders.Get().(*gzip.Reader)
	defer gzipReaders.Put(zr)
	if err := zr.Reset(bytes.NewReader(p)); err != nil {
		return nil, EInvalidMessage, fmt.Errorf("gzip header: %w", err)
	}
	limit := max
	if limit > int64(int(^uint(0)>>1))-1 {
		limit = int64(int(^uint(0)>>1)) - 1
	}
	capacity := int64(len(p))*4 + 512
	out := make([]byte, 0, min(capacity, limit+1))
	for {
		if len(out) == cap(out) {
			if int64(len(out)) > limit {
				return nil, EMaxSizeExceeded, fmt.Errorf("decompressed payload exceeds %d bytes", max)
			}
			out = slices.Grow(out, int(min(int64(cap(out)), limit+1-int64(cap(out)))))
		}
		n, err := zr.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		if int64(len(out)) > limit {
			return nil, EMaxSizeExceeded, fmt.Errorf("decompressed payload exceeds %d bytes", max)
		}
		if err == io.EOF {
			return out, 0, nil
		}
		if err != nil {
			return nil, EInvalidMessage, fmt.Errorf("gzip: %w", err)
		}
	}
}

// DecodeHeader decodes the MessageHeader at the start of b and returns it and
// its encoded length. Errors are *DecodeError with Code EInvalidMessage.
func DecodeHeader(b []byte) (MessageHeader, int, error) {
	var h MessageHeader
	d := decoder{b: b}
	h.decodeAvro(&d)
	if d.err != nil {
		return MessageHeader{}, 0, &DecodeError{Code: EInvalidMessage, Err: fmt.Errorf("header: %w", d.err)}
	}
	return h, d.off, nil
}

// DecodeMessage decodes one whole WebSocket message (BRIEF 2.2): the header,
// then, decompressing first when FlagCompressed is set, the optional
// MessageHeaderExtension (skipped) and the body selected by (protocol,
// messageType); 1000 and 1001 decode as Core whatever the protocol. Trailing
// bytes after the body are an error. The returned body never aliases b.
// Errors are *DecodeError (see there for the codes). DecodeMessage is safe for
// concurrent use and never panics.
func DecodeMessage(b []byte, opts *DecodeOptions) (MessageHeader, Message, error) {
	h, _, body, err := decodeMessage(b, opts, nil, false)
	return h, body, err
}

// DecodeMessageWithExtension is DecodeMessage that also returns the
// MessageHeaderExtension when FlagHasHeaderExtension is set (nil otherwise).
func DecodeMessageWithExtension(b []byte, opts *DecodeOptions) (MessageHeader, *MessageHeaderExtension, Message, error) {
	return decodeMessage(b, opts, nil, true)
}

// DecodeMessageInto is DecodeMessage into a caller-supplied body, which must
// be of the type the header names (else a *DecodeError with Code
// EInvalidMessageType). All fields of dst are overwritten. For the bodies that
// carry arrays (GetDataArraysResponse, GetDataSubarraysResponse, PutDataArrays,
// PutDataSubarrays) an entry whose key was already in dst's map reuses that
// entry's buffers (AnyArray slices, dimensions, starts, counts), so a
// downloader that decodes successive responses with the same keys into one
// body allocates only when an array grows. On error dst holds partial data.
func DecodeMessageInto(b []byte, opts *DecodeOptions, dst Message) (MessageHeader, error) {
	if isNil(dst) {
		return MessageHeader{}, errors.New("etp: DecodeMessageInto a nil body")
	}
	h, _, _, err := decodeMessage(b, opts, dst, false)
	return h, err
}

func decodeMessage(b []byte, opts *DecodeOptions, dst Message, keepExt bool) (MessageHeader, *MessageHeaderExtension, Message, error) {
	h, n, err := DecodeHeader(b)
	if err != nil {
		return h, nil, nil, err
	}
	fail := func(code ErrorCode, err error) (MessageHeader, *MessageHeaderExtension, Message, error) {
		return h, nil, nil, &DecodeError{Code: code, HasHeader: true, Header: h, Err: err}
	}
	info, ok := lookupMessage(Protocol(h.Protocol), h.MessageType)
	if !ok {
		return fail(EInvalidMessageType, errUnknownMessage)
	}
	body := dst
	if body == nil {
		body = info.newBody()
	} else if want, _ := lookupMessage(body.MessageProtocol(), body.MessageType()); want.name != info.name {
		return fail(EInvalidMessageType, fmt.Errorf("message is %s, not the expected %s", info.name, want.name))
	}
	payload := b[n:]
	if h.MessageFlags&FlagCompressed != 0 {
		if h.Protocol == int32(ProtocolCore) {
			return fail(ECompressionNotSupported, errors.New("Core messages must not be compressed"))
		}
		p, code, err := inflate(payload, opts.maxDecompressed())
		if err != nil {
			return fail(code, err)
		}
		payload = p
	}
	d := decoder{b: payload}
	var ext *MessageHeaderExtension
	if h.MessageFlags&FlagHasHeaderExtension != 0 {
		ext = new(MessageHeaderExtension)
		ext.decodeAvro(&d)
		if d.err != nil {
			return fail(EInvalidMessage, fmt.Errorf("header extension: %w", d.err))
		}
		if !keepExt {
			ext = nil
		}
	}
	body.decodeAvro(&d)
	if d.err != nil {
		return fail(EInvalidMessage, fmt.Errorf("body %s: %w", info.name, d.err))
	}
	if d.off != len(payload) {
		return fail(EInvalidMessage, fmt.Errorf("body %s: %d trailing bytes", info.name, len(payload)-d.off))
	}
	return h, ext, body, nil
}
