package etp

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fuzzSeeds returns valid encodings of every message type: plain, with the
// payload gzip-compressed (whether or not that pays), and with a header
// extension.
func fuzzSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	ext := &MessageHeaderExtension{Extension: map[string]DataValue{"k": Long(1)}}
	for i, s := range sampleBodies() {
		h := MessageHeader{Protocol: int32(s.body.MessageProtocol()), MessageType: s.body.MessageType(),
			MessageID: int64(2 * (i + 1)), MessageFlags: FlagFinalPart}
		b, _, err := AppendMessage(nil, h, s.body, false)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, b)
		payload, _ := AppendRecord(nil, s.body)
		if compressible(h.Protocol, h.MessageType) {
			ch := h
			ch.MessageFlags |= FlagCompressed
			seeds = append(seeds, rawMessage(t, ch, payload))
		}
		eh := h
		eh.MessageFlags |= FlagHasHeaderExtension
		extBytes, _ := AppendRecord(nil, ext)
		seeds = append(seeds, rawMessage(t, eh, append(extBytes, payload...)))
	}
	return seeds
}

// FuzzDecodeMessage feeds arbitrary bytes to DecodeMessage: it must never
// panic, every failure must be a *DecodeError, and every message it accepts
// must re-encode without error to bytes that decode to the same value.
func FuzzDecodeMessage(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	opts := &DecodeOptions{MaxDecompressedSize: 1 << 20}
	f.Fuzz(func(t *testing.T, data []byte) {
		h, body, err := DecodeMessage(data, opts)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) || de.Code == 0 {
				t.Fatalf("error %v (%T) is not a *DecodeError with a code", err, err)
			}
			return
		}
		h.MessageFlags &^= FlagCompressed | FlagHasHeaderExtension
		b, h2, err := AppendMessage(nil, h, body, false)
		if err != nil {
			t.Fatalf("decoded %s does not re-encode: %v", h, err)
		}
		if h2 != h {
			t.Fatalf("header changed on re-encode: %+v -> %+v", h, h2)
		}
		if got, want := len(b)-HeaderSize(h2), EncodedSize(body); got != want {
			t.Fatalf("EncodedSize %d, encoded %d", want, got)
		}
		_, again, err := DecodeMessage(b, opts)
		if err != nil {
			t.Fatalf("re-encoded message does not decode: %v", err)
		}
		// Encoding is deterministic, so equal bytes mean an equal value; cmp
		// (slow on huge arrays) double-checks small messages.
		b2, _, err := AppendMessage(nil, h, again, false)
		if err != nil || !bytes.Equal(b, b2) {
			t.Fatalf("value changed through re-encoding: %v", err)
		}
		if len(b) < 4096 {
			if diff := cmp.Diff(body, again, cmpOpts, bitsEqual); diff != "" {
				t.Fatalf("value changed through re-encoding (-first +second):\n%s", diff)
			}
		}
	})
}

// TestWriteFuzzCorpus regenerates the committed seed files under
// testdata/fuzz/FuzzDecodeMessage when ETP_WRITE_FUZZ_CORPUS=1.
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("ETP_WRITE_FUZZ_CORPUS") != "1" {
		t.Skip("set ETP_WRITE_FUZZ_CORPUS=1 to rewrite testdata/fuzz/FuzzDecodeMessage")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzDecodeMessage")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name     string
		protocol Protocol
		mt       int32
		flags    int32
	}{
		{"request-session", ProtocolCore, 1, 0},
		{"request-session-extension", ProtocolCore, 1, FlagHasHeaderExtension},
		{"protocol-exception", ProtocolCore, 1000, 0},
		{"put-data-objects-gzip", ProtocolStore, 2, FlagCompressed},
		{"chunk-gzip", ProtocolStore, 8, FlagCompressed},
		{"get-data-subarrays-response", ProtocolDataArray, 8, 0},
		{"get-data-subarrays-response-gzip", ProtocolDataArray, 8, FlagCompressed},
		{"put-data-subarrays-extension", ProtocolDataArray, 5, FlagHasHeaderExtension},
	}
	seeds := fuzzSeeds(t)
	for _, w := range want {
		found := false
		for _, seed := range seeds {
			h, _, err := DecodeHeader(seed)
			if err != nil || h.Protocol != int32(w.protocol) || h.MessageType != w.mt ||
				h.MessageFlags&^FlagFinalPart != w.flags {
				continue
			}
			content := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", seed)
			if err := os.WriteFile(filepath.Join(dir, w.name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			found = true
			break
		}
		if !found {
			t.Fatalf("no seed for %s", w.name)
		}
	}
}
