package etp

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/gzip"
)

func gzipBytes(t testing.TB, p []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(p); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rawMessage builds a message by hand: header, then payload (compressed when
// the header says so).
func rawMessage(t testing.TB, h MessageHeader, payload []byte) []byte {
	t.Helper()
	b, err := AppendRecord(nil, &h)
	if err != nil {
		t.Fatal(err)
	}
	if h.MessageFlags&FlagCompressed != 0 {
		payload = gzipBytes(t, payload)
	}
	return append(b, payload...)
}

// TestMessageRoundTrip frames every sample body with and without the
// compression request and decodes it back.
func TestMessageRoundTrip(t *testing.T) {
	t.Parallel()
	for _, s := range sampleBodies() {
		for _, compress := range []bool{false, true} {
			name := s.name
			if compress {
				name += "/compress"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				in := MessageHeader{Protocol: 77, CorrelationID: 5, MessageID: 42, MessageFlags: FlagFinalPart | FlagCompressed}
				prefix := []byte("keep")
				b, h, err := AppendMessage(append([]byte(nil), prefix...), in, s.body, compress)
				if err != nil {
					t.Fatalf("AppendMessage: %v", err)
				}
				if !bytes.HasPrefix(b, prefix) {
					t.Fatalf("dst prefix overwritten")
				}
				b = b[len(prefix):]
				wantProto := int32(s.body.MessageProtocol())
				if mt := s.body.MessageType(); mt == MessageTypeProtocolException || mt == MessageTypeAcknowledge {
					wantProto = 77
				}
				if h.Protocol != wantProto || h.MessageType != s.body.MessageType() || h.MessageID != 42 ||
					h.CorrelationID != 5 || !h.HasFlag(FlagFinalPart) {
					t.Fatalf("header %+v", h)
				}
				plain := HeaderSize(MessageHeader{Protocol: h.Protocol, MessageType: h.MessageType, CorrelationID: 5,
					MessageID: 42, MessageFlags: FlagFinalPart}) + EncodedSize(s.body)
				if h.HasFlag(FlagCompressed) {
					if !compress || !compressible(h.Protocol, h.MessageType) {
						t.Fatalf("compressed although not allowed")
					}
					if len(b) >= plain {
						t.Fatalf("compressed message (%d bytes) not smaller than plain (%d)", len(b), plain)
					}
				} else if len(b) != plain {
					t.Fatalf("plain message is %d bytes, want %d", len(b), plain)
				}
				gh, body, err := DecodeMessage(b, nil)
				if err != nil {
					t.Fatalf("DecodeMessage: %v", err)
				}
				if gh != h {
					t.Fatalf("decoded header %+v, want %+v", gh, h)
				}
				if diff := cmp.Diff(s.body, body, cmpOpts); diff != "" {
					t.Fatalf("body mismatch (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// TestCompressionOnlyIfItPays checks the compression decision.
func TestCompressionOnlyIfItPays(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]float64, 1<<15)
	for i := range random {
		random[i] = rng.Float64()
	}
	zeros := make([]float64, 1<<15)
	sub := func(v []float64) *PutDataSubarrays {
		return &PutDataSubarrays{DataSubarrays: map[string]PutDataSubarraysType{
			"0": {UID: sampleUID("/p"), Data: DoubleArray(v), Starts: []int64{0}, Counts: []int64{int64(len(v))}}}}
	}
	tests := []struct {
		name     string
		h        MessageHeader
		body     Message
		wantComp bool
	}{
		{"structured data compresses", MessageHeader{}, sub(zeros), true},
		{"random doubles stay plain (sampled)", MessageHeader{}, sub(random), false},
		{"small random doubles stay plain", MessageHeader{}, sub(random[:1000]), false},
		{"small structured data compresses", MessageHeader{}, sub(zeros[:1000]), true},
		{"tiny body stays plain", MessageHeader{}, &GetDataspaces{}, false},
		{"Core never", MessageHeader{}, &RequestSession{ApplicationName: strings.Repeat("a", 4096)}, false},
		{"ProtocolException never", MessageHeader{Protocol: 9},
			&ProtocolException{Error: &ErrorInfo{Message: strings.Repeat("x", 4096)}}, false},
		{"Store data object compresses", MessageHeader{}, &PutDataObjects{DataObjects: map[string]DataObject{
			"0": {Resource: sampleResource(0), Format: "xml", Data: bytes.Repeat([]byte("<a>1</a>"), 1000)}}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, h, err := AppendMessage(nil, tc.h, tc.body, true)
			if err != nil {
				t.Fatal(err)
			}
			if got := h.HasFlag(FlagCompressed); got != tc.wantComp {
				t.Fatalf("compressed = %v, want %v (size %d, plain body %d)", got, tc.wantComp, len(b), EncodedSize(tc.body))
			}
			gh, _, err := DecodeHeader(b)
			if err != nil || gh != h {
				t.Fatalf("header on the wire %+v, returned %+v (%v)", gh, h, err)
			}
			if tc.wantComp && !bytes.Equal(b[HeaderSize(h):HeaderSize(h)+2], []byte{0x1f, 0x8b}) {
				t.Fatalf("payload is not a gzip stream")
			}
			if _, body, err := DecodeMessage(b, nil); err != nil || !cmp.Equal(body, tc.body, cmpOpts) {
				t.Fatalf("round trip failed: %v", err)
			}
		})
	}
}

func TestAppendMessageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		h    MessageHeader
		body Message
		want string
	}{
		{"nil body", MessageHeader{}, nil, "nil body"},
		{"typed nil body", MessageHeader{}, (*Ping)(nil), "nil body"},
		{"extension flag without extension", MessageHeader{MessageFlags: FlagHasHeaderExtension}, &Ping{}, "FlagHasHeaderExtension"},
		{"invalid AnyArray type", MessageHeader{}, &PutDataSubarrays{DataSubarrays: map[string]PutDataSubarraysType{
			"0": {Data: AnyArray{Type: 9}}}}, "invalid AnyArray type"},
		{"invalid enum", MessageHeader{}, &GetResources{Scope: 7}, "invalid ContextScopeKind"},
		{"typed nil DataValue", MessageHeader{}, &PutDataspaces{Dataspaces: map[string]Dataspace{
			"0": {CustomData: map[string]DataValue{"x": (*Long)(nil)}}}}, "unsupported DataValue type *etp.Long"},
		{"pointer DataValue", MessageHeader{}, &RequestSession{EndpointCapabilities: map[string]DataValue{
			"x": ptr(Bool(true))}}, "unsupported DataValue type *etp.Bool"},
		{"invalid logical type", MessageHeader{}, &GetDataArrayMetadataResponse{ArrayMetadata: map[string]DataArrayMetadata{
			"0": {LogicalArrayType: -1}}}, "invalid AnyLogicalArrayType"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dst := []byte{1, 2, 3}
			out, _, err := AppendMessage(dst, tc.h, tc.body, true)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if !bytes.Equal(out, []byte{1, 2, 3}) {
				t.Fatalf("dst changed on error: %x", out)
			}
		})
	}
}

func TestHeaderExtension(t *testing.T) {
	t.Parallel()
	ext := &MessageHeaderExtension{Extension: map[string]DataValue{"trace": String("abc"), "n": Long(3)}}
	body := &PutDataSubarrays{DataSubarrays: map[string]PutDataSubarraysType{
		"0": {UID: sampleUID("/p"), Data: DoubleArray(make([]float64, 512)), Starts: []int64{0}, Counts: []int64{512}}}}
	for _, compress := range []bool{false, true} {
		b, h, err := AppendMessageWithExtension(nil, MessageHeader{MessageID: 2, MessageFlags: FlagFinalPart}, ext, body, compress)
		if err != nil {
			t.Fatal(err)
		}
		if !h.HasFlag(FlagHasHeaderExtension) || h.HasFlag(FlagCompressed) != compress {
			t.Fatalf("compress=%v: flags %#x", compress, h.MessageFlags)
		}
		gh, gext, gbody, err := DecodeMessageWithExtension(b, nil)
		if err != nil || gh != h {
			t.Fatalf("compress=%v: %v %+v", compress, err, gh)
		}
		if diff := cmp.Diff(ext, gext, cmpOpts); diff != "" {
			t.Fatalf("extension (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(body, gbody, cmpOpts); diff != "" {
			t.Fatalf("body (-want +got):\n%s", diff)
		}
		_, plain, err := DecodeMessage(b, nil)
		if err != nil || !cmp.Equal(body, plain, cmpOpts) {
			t.Fatalf("DecodeMessage with extension: %v", err)
		}
	}
	if _, _, m, err := DecodeMessageWithExtension(rawMessage(t, MessageHeader{Protocol: 0, MessageType: 8}, []byte{2}), nil); err != nil || m == nil {
		t.Fatalf("no extension: %v", err)
	}
}

// TestDecodeMessageErrors checks the ETP code of every kind of bad input.
func TestDecodeMessageErrors(t *testing.T) {
	t.Parallel()
	ping := MessageHeader{Protocol: 0, MessageType: 8, MessageID: 3}
	store := MessageHeader{Protocol: 4, MessageType: 8, MessageID: 5}
	chunk, _ := AppendRecord(nil, &Chunk{Data: bytes.Repeat([]byte{7}, 100)})
	bomb := bytes.Repeat([]byte{0}, 2<<20)
	tests := []struct {
		name       string
		in         []byte
		opts       *DecodeOptions
		code       ErrorCode
		hasHeader  bool
		errContain string
	}{
		{"empty", nil, nil, EInvalidMessage, false, "header"},
		{"truncated header", []byte{0x00, 0x10}, nil, EInvalidMessage, false, "end of data"},
		{"header varint overflow", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, nil, EInvalidMessage, false, "range"},
		{"unknown message type", rawMessage(t, MessageHeader{Protocol: 4, MessageType: 99}, nil), nil, EInvalidMessageType, true, "unknown"},
		{"unknown protocol", rawMessage(t, MessageHeader{Protocol: 5, MessageType: 1}, nil), nil, EInvalidMessageType, true, "unknown"},
		{"compressed Core", rawMessage(t, MessageHeader{Protocol: 0, MessageType: 8, MessageFlags: FlagCompressed}, []byte{2}), nil,
			ECompressionNotSupported, true, "Core"},
		{"trailing bytes", rawMessage(t, ping, []byte{2, 0}), nil, EInvalidMessage, true, "trailing"},
		{"truncated body", rawMessage(t, ping, []byte{0x80}), nil, EInvalidMessage, true, "end of data"},
		{"corrupt gzip", append(rawMessage(t, MessageHeader{Protocol: 4, MessageType: 8, MessageFlags: FlagCompressed}, nil)[:5],
			0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 1, 2, 3), nil, EInvalidMessage, true, "gzip"},
		{"not gzip", append(rawMessage(t, store, nil), 1, 2, 3), nil, EInvalidMessage, true, ""},
		{"gzip bomb", rawMessage(t, MessageHeader{Protocol: 4, MessageType: 8, MessageFlags: FlagCompressed}, bomb),
			&DecodeOptions{MaxDecompressedSize: 1 << 20}, EMaxSizeExceeded, true, "exceeds"},
		{"compressed trailing bytes", rawMessage(t, MessageHeader{Protocol: 4, MessageType: 8, MessageFlags: FlagCompressed},
			append(append([]byte(nil), chunk...), 0)), nil, EInvalidMessage, true, "trailing"},
		{"bad union index", rawMessage(t, MessageHeader{Protocol: 0, MessageType: 1000}, []byte{4}), nil, EInvalidMessage, true, "union"},
		{"bad boolean", rawMessage(t, MessageHeader{Protocol: 0, MessageType: 7}, []byte{2, 0}), nil, EInvalidMessage, true, "boolean"},
		{"bad extension", rawMessage(t, MessageHeader{Protocol: 0, MessageType: 8, MessageFlags: FlagHasHeaderExtension}, []byte{3}),
			nil, EInvalidMessage, true, "extension"},
		{"huge string length", rawMessage(t, MessageHeader{Protocol: 0, MessageType: 5}, []byte{0xfe, 0xff, 0xff, 0xff, 0x0f}), nil,
			EInvalidMessage, true, "exceeds"},
		{"huge array count", rawMessage(t, MessageHeader{Protocol: 0, MessageType: 7}, []byte{0, 0xfe, 0xff, 0xff, 0xff, 0x0f}), nil,
			EInvalidMessage, true, "cannot fit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, body, err := DecodeMessage(tc.in, tc.opts)
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v (%T), body %v; want *DecodeError", err, err, body)
			}
			if de.Code != tc.code || de.HasHeader != tc.hasHeader || !strings.Contains(err.Error(), tc.errContain) {
				t.Fatalf("got code %v hasHeader %v err %q; want %v %v %q", de.Code, de.HasHeader, err, tc.code,
					tc.hasHeader, tc.errContain)
			}
			if body != nil {
				t.Fatalf("body returned with error")
			}
		})
	}
}

// TestAnyProtocolExceptionAndAcknowledge checks that 1000 and 1001 decode as
// Core whatever the header's protocol says (BRIEF 2.2).
func TestAnyProtocolExceptionAndAcknowledge(t *testing.T) {
	t.Parallel()
	for _, p := range []Protocol{ProtocolCore, ProtocolStore, ProtocolDataArray, 2, 2404} {
		pe := rawMessage(t, MessageHeader{Protocol: int32(p), MessageType: 1000, CorrelationID: 4},
			[]byte{0x02, 0x06, 'b', 'a', 'd', 0x0a, 0x00})
		h, body, err := DecodeMessage(pe, nil)
		if err != nil {
			t.Fatalf("%v: %v", p, err)
		}
		if x, ok := body.(*ProtocolException); !ok || x.Error == nil || x.Error.Code != EInvalidArgument || h.Protocol != int32(p) {
			t.Fatalf("%v: got %#v", p, body)
		}
		if _, body, err := DecodeMessage(rawMessage(t, MessageHeader{Protocol: int32(p), MessageType: 1001}, nil), nil); err != nil {
			t.Fatalf("%v: %v", p, err)
		} else if _, ok := body.(*Acknowledge); !ok {
			t.Fatalf("%v: got %T", p, body)
		}
		if !MultipartAllowed(p, 1000) || MultipartAllowed(p, 1001) {
			t.Fatalf("%v: MultipartAllowed wrong for 1000/1001", p)
		}
	}
}

func TestDecodeMessageInto(t *testing.T) {
	t.Parallel()
	mk := func(seed float64) []byte {
		v := make([]float64, 1000)
		for i := range v {
			v[i] = seed + float64(i)
		}
		b, _, err := AppendMessage(nil, MessageHeader{MessageID: 1}, &GetDataSubarraysResponse{DataSubarrays: map[string]DataArray{
			"0": {Dimensions: []int64{10, 100}, Data: DoubleArray(v)}}}, false)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var dst GetDataSubarraysResponse
	if _, err := DecodeMessageInto(mk(0), nil, &dst); err != nil {
		t.Fatal(err)
	}
	first := &dst.DataSubarrays["0"].Data.Doubles[0]
	if _, err := DecodeMessageInto(mk(0.5), nil, &dst); err != nil {
		t.Fatal(err)
	}
	got := dst.DataSubarrays["0"]
	if &got.Data.Doubles[0] != first {
		t.Fatalf("second decode did not reuse the values buffer")
	}
	if got.Data.Doubles[999] != 999.5 || len(got.Dimensions) != 2 || got.Dimensions[1] != 100 {
		t.Fatalf("wrong values after reuse: %v %v", got.Data.Doubles[999], got.Dimensions)
	}
	var wrong GetDataArraysResponse
	_, err := DecodeMessageInto(mk(0), nil, &wrong)
	var de *DecodeError
	if !errors.As(err, &de) || de.Code != EInvalidMessageType {
		t.Fatalf("type mismatch: %v", err)
	}
	if _, err := DecodeMessageInto(mk(0), nil, nil); err == nil {
		t.Fatalf("nil dst accepted")
	}
}

func TestRegistryAPI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		p         Protocol
		mt        int32
		want      string // Go type, "" for unknown
		multipart bool
	}{
		{"RequestSession", ProtocolCore, 1, "*etp.RequestSession", false},
		{"ProtocolException in DataArray", ProtocolDataArray, 1000, "*etp.ProtocolException", true},
		{"Acknowledge in Store", ProtocolStore, 1001, "*etp.Acknowledge", false},
		{"PutDataObjects", ProtocolStore, 2, "*etp.PutDataObjects", true},
		{"Chunk", ProtocolStore, 8, "*etp.Chunk", true},
		{"GetDataSubarrays is single", ProtocolDataArray, 3, "*etp.GetDataSubarrays", false},
		{"GetDataSubarraysResponse", ProtocolDataArray, 8, "*etp.GetDataSubarraysResponse", true},
		{"StartTransactionResponse", ProtocolTransaction, 2, "*etp.StartTransactionResponse", false},
		{"GetDataspacesResponse", ProtocolDataspace, 2, "*etp.GetDataspacesResponse", true},
		{"unknown type", ProtocolStore, 5, "", false},
		{"unknown protocol", 2404, 1, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body, err := NewBody(tc.p, tc.mt)
			if tc.want == "" {
				var de *DecodeError
				if !errors.As(err, &de) || de.Code != EInvalidMessageType || body != nil {
					t.Fatalf("NewBody = %v, %v; want EInvalidMessageType", body, err)
				}
			} else if err != nil || typeName(body) != tc.want {
				t.Fatalf("NewBody = %s, %v; want %s", typeName(body), err, tc.want)
			}
			if got := MultipartAllowed(tc.p, tc.mt); got != tc.multipart {
				t.Fatalf("MultipartAllowed = %v, want %v", got, tc.multipart)
			}
		})
	}
}

func typeName(v any) string { return fmt.Sprintf("%T", v) }

func TestStringers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"known code", ENotFound.String(), "ENOT_FOUND"},
		{"underscore code", EInvalidMessageType.String(), "EINVALID_MESSAGETYPE"},
		{"high code", ENotGrowingObject.String(), "ENOTGROWINGOBJECT"},
		{"unknown code", ErrorCode(4242).String(), "ErrorCode(4242)"},
		{"protocol", ProtocolDataArray.String(), "DataArray"},
		{"other protocol", Protocol(25).String(), "SupportedTypes"},
		{"unknown protocol", Protocol(2404).String(), "Protocol(2404)"},
		{"any array type", AnyArrayDouble.String(), "arrayOfDouble"},
		{"bytes type", AnyArrayBytes.String(), "bytes"},
		{"bad any array type", AnyArrayType(7).String(), "AnyArrayType(7)"},
		{"logical", LogicalArrayFloat32BE.String(), "arrayOfFloat32BE"},
		{"scope", ContextScopeSourcesOrSelf.String(), "sourcesOrSelf"},
		{"relationship", RelationshipBoth.String(), "Both"},
		{"status", ActiveStatusInactive.String(), "Inactive"},
		{"header", MessageHeader{Protocol: 4, MessageType: 2, MessageID: 4, MessageFlags: 2}.String(), "Store/2 id=4 corr=0 flags=0x2"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
	for c := range errorCodeNames {
		if !c.Known() || !strings.HasPrefix(c.String(), "E") {
			t.Errorf("code %d: %q", c, c.String())
		}
	}
	if len(errorCodeNames) != 39 {
		t.Errorf("%d error codes, want the 39 of BRIEF section 7", len(errorCodeNames))
	}
}

func TestCapabilityHelpers(t *testing.T) {
	t.Parallel()
	caps := map[string]DataValue{
		"long": Long(16777216), "int": Int(60), "bool": Bool(true), "str": String("5"), "null": nil,
		"big": Long(math.MaxInt64),
	}
	tests := []struct {
		key    string
		want   int64
		wantOK bool
	}{
		{"long", 16777216, true}, {"int", 60, true}, {"big", math.MaxInt64, true},
		{"bool", 0, false}, {"str", 0, false}, {"null", 0, false}, {"missing", 0, false},
	}
	for _, tc := range tests {
		if v, ok := CapabilityInt64(caps, tc.key); v != tc.want || ok != tc.wantOK {
			t.Errorf("CapabilityInt64(%q) = %d, %v; want %d, %v", tc.key, v, ok, tc.want, tc.wantOK)
		}
	}
	if v, ok := CapabilityBool(caps, "bool"); !v || !ok {
		t.Errorf("CapabilityBool(bool) = %v, %v", v, ok)
	}
	if _, ok := CapabilityBool(caps, "long"); ok {
		t.Errorf("CapabilityBool(long) ok")
	}
	if DataValueString(nil) != "null" || DataValueString(Long(3)) != "3" {
		t.Errorf("DataValueString")
	}
}
