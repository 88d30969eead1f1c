package etp

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func mustUUID(t testing.TB, s string) UUID {
	t.Helper()
	u, err := ParseUUID(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// cmpOpts treats nil and empty slices/maps as equal: the codec decodes empty
// arrays and maps as nil.
var cmpOpts = cmp.Options{cmpopts.EquateEmpty()}

// TestGoldenBodies checks the body vectors of BRIEF section 9 byte for byte in
// both directions.
func TestGoldenBodies(t *testing.T) {
	t.Parallel()
	doubles := "000000000000f03f" + "0000000000000040" + "0000000000000840" + "0000000000001040" +
		"0000000000001440" + "0000000000001840"
	tests := []struct {
		name string
		body Message
		hex  string
	}{
		{
			name: "RequestSession",
			body: &RequestSession{
				ApplicationName:    "goetp",
				ApplicationVersion: "0.1",
				ClientInstanceID:   mustUUID(t, "8b0f2a3c-4d5e-467f-8091-a2b3c4d5e6f7"),
				RequestedProtocols: []SupportedProtocol{{Protocol: 9, ProtocolVersion: Version{1, 2, 0, 0},
					Role: "store"}},
				SupportedDataObjects: []SupportedDataObject{{QualifiedType: "resqml20.*"}},
				SupportedCompression: []string{"gzip"},
				SupportedFormats:     []string{"xml"},
				CurrentDateTime:      1700000000000000,
				EndpointCapabilities: map[string]DataValue{"MaxWebSocketMessagePayloadSize": Long(16777216)},
			},
			hex: "0a676f65747006302e318b0f2a3c4d5e467f8091a2b3c4d5e6f70212020400000a73746f726500000214726573716d6c32302e2a00000208677a6970000206786d6c008080f281838985060000023c4d6178576562536f636b65744d6573736167655061796c6f616453697a65068080801000",
		},
		{
			name: "GetDataArraysResponse",
			body: &GetDataArraysResponse{DataArrays: map[string]DataArray{
				"0": {Dimensions: []int64{2, 3}, Data: DoubleArray([]float64{1, 2, 3, 4, 5, 6})},
			}},
			hex: "02 02 30 04 04 06 00 08 0c" + doubles + "00 00",
		},
		{
			name: "ProtocolException errors map",
			body: &ProtocolException{Errors: map[string]ErrorInfo{"0": {Message: "not found", Code: ENotFound}}},
			hex:  "00 02 02 30 12 6e6f7420666f756e64 16 00",
		},
		{
			name: "ProtocolException error",
			body: &ProtocolException{Error: &ErrorInfo{Message: "bad", Code: EInvalidArgument}},
			hex:  "02 06 626164 0a 00",
		},
		{
			name: "Acknowledge",
			body: &Acknowledge{},
			hex:  "",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			want := mustHex(t, tc.hex)
			got, err := AppendRecord(nil, tc.body)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			if !cmp.Equal(got, want, cmpopts.EquateEmpty()) {
				t.Fatalf("encode:\n got %x\nwant %x", got, want)
			}
			if n := EncodedSize(tc.body); n != len(want) {
				t.Errorf("EncodedSize = %d, want %d", n, len(want))
			}
			dec, err := NewBody(tc.body.MessageProtocol(), tc.body.MessageType())
			if err != nil {
				t.Fatal(err)
			}
			n, err := DecodeRecord(want, dec)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if n != len(want) {
				t.Fatalf("decode consumed %d of %d bytes", n, len(want))
			}
			if diff := cmp.Diff(tc.body, dec, cmpOpts); diff != "" {
				t.Fatalf("decode mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestGoldenHeaders checks the header vectors of BRIEF section 9 and the
// complete RequestSession message.
func TestGoldenHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		h    MessageHeader
		hex  string
	}{
		{"RequestSession header", MessageHeader{Protocol: 0, MessageType: 1, MessageID: 2, MessageFlags: FlagFinalPart}, "00 02 00 04 04"},
		{"GetDataArrays header", MessageHeader{Protocol: 9, MessageType: 2, MessageID: 4, MessageFlags: FlagFinalPart}, "12 04 00 08 04"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			want := mustHex(t, tc.hex)
			got, err := AppendRecord(nil, &tc.h)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Fatalf("got %x, want %x", got, want)
			}
			h, n, err := DecodeHeader(want)
			if err != nil || n != len(want) || h != tc.h {
				t.Fatalf("DecodeHeader = %+v, %d, %v; want %+v, %d", h, n, err, tc.h, len(want))
			}
		})
	}
}

// TestGoldenCompleteMessage checks that a complete message is the header bytes
// followed directly by the body bytes (BRIEF section 9).
func TestGoldenCompleteMessage(t *testing.T) {
	t.Parallel()
	body := &RequestSession{
		ApplicationName: "goetp", ApplicationVersion: "0.1",
		ClientInstanceID:     mustUUID(t, "8b0f2a3c-4d5e-467f-8091-a2b3c4d5e6f7"),
		RequestedProtocols:   []SupportedProtocol{{Protocol: 9, ProtocolVersion: Version{1, 2, 0, 0}, Role: "store"}},
		SupportedDataObjects: []SupportedDataObject{{QualifiedType: "resqml20.*"}},
		SupportedCompression: []string{"gzip"}, SupportedFormats: []string{"xml"},
		CurrentDateTime:      1700000000000000,
		EndpointCapabilities: map[string]DataValue{"MaxWebSocketMessagePayloadSize": Long(16777216)},
	}
	want := mustHex(t, "00 02 00 04 04"+
		"0a676f65747006302e318b0f2a3c4d5e467f8091a2b3c4d5e6f70212020400000a73746f726500000214726573716d6c32302e2a00000208677a6970000206786d6c008080f281838985060000023c4d6178576562536f636b65744d6573736167655061796c6f616453697a65068080801000")
	got, h, err := AppendMessage(nil, MessageHeader{MessageID: 2, MessageFlags: FlagFinalPart}, body, true)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) || h.Protocol != 0 || h.MessageType != 1 {
		t.Fatalf("got %x (%+v)\nwant %x", got, h, want)
	}
	if len(want)-5 != 115 {
		t.Fatalf("body is %d bytes, BRIEF says 115", len(want)-5)
	}
	gh, gb, err := DecodeMessage(want, nil)
	if err != nil || gh != h || !cmp.Equal(gb, Message(body), cmpOpts) {
		t.Fatalf("decode: %v %+v", err, gh)
	}
}
