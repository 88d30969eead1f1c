package server

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/coder/websocket"

	"github.com/etp-transfer/etp-transfer/etp"
)

// memWire is an in-memory wire that records what the server writes.
type memWire struct {
	mu     sync.Mutex
	out    [][]byte
	closed bool
	limit  int64
}

var errMemClosed = errors.New("memWire closed")

func (m *memWire) Read(ctx context.Context) ([]byte, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func (m *memWire) Write(_ context.Context, p []byte, _ int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errMemClosed
	}
	m.out = append(m.out, append([]byte(nil), p...))
	return nil
}

func (m *memWire) SetReadLimit(n int64) {
	m.mu.Lock()
	m.limit = n
	m.mu.Unlock()
}

func (m *memWire) Close(websocket.StatusCode, string) error { return m.CloseNow() }

func (m *memWire) CloseNow() error {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	return nil
}

func (m *memWire) messages() [][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([][]byte(nil), m.out...)
}

func encodeMsg(t testing.TB, body etp.Message, id, corr int64, flags int32) []byte {
	b, _, err := etp.AppendMessage(nil, etp.MessageHeader{Protocol: int32(body.MessageProtocol()), MessageID: id,
		CorrelationID: corr, MessageFlags: flags}, body, false)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fuzzSeeds are valid requests of every protocol, and a few broken ones.
func fuzzSeeds(t testing.TB) [][]byte {
	owner := etp.ObjectURI("", "eml20.obj_EpcExternalPartReference", etp.NewUUID())
	obj := newTestObject("", "resqml20.obj_Grid2dRepresentation", "fuzz", 0)
	id := etp.NewUUID()
	fin := etp.FlagFinalPart
	bodies := []etp.Message{
		&etp.Ping{CurrentDateTime: 1},
		&etp.CloseSession{Reason: "x"},
		&etp.GetDataspaces{},
		&etp.PutDataspaces{Dataspaces: map[string]etp.Dataspace{"0": {URI: "eml:///dataspace('f')"}}},
		&etp.DeleteDataspaces{URIs: map[string]string{"0": "eml:///dataspace('f')"}},
		&etp.PutDataObjects{DataObjects: map[string]etp.DataObject{"0": obj.dataObject()}},
		&etp.GetDataObjects{URIs: map[string]string{"0": obj.uri}},
		&etp.DeleteDataObjects{URIs: map[string]string{"0": obj.uri}},
		&etp.PutDataArrays{DataArrays: map[string]etp.PutDataArraysType{"0": {UID: uid(owner, "/a"),
			Array: etp.DataArray{Dimensions: []int64{2, 2}, Data: etp.IntArray([]int32{1, 2, 3, 4})}}}},
		&etp.PutUninitializedDataArrays{DataArrays: map[string]etp.PutUninitializedDataArrayType{"0": {UID: uid(owner, "/b"),
			Metadata: etp.DataArrayMetadata{Dimensions: []int64{3}, TransportArrayType: etp.AnyArrayLong, LogicalArrayType: etp.LogicalArrayInt8}}}},
		&etp.PutDataSubarrays{DataSubarrays: map[string]etp.PutDataSubarraysType{"0": {UID: uid(owner, "/b"),
			Data: etp.LongArray([]int64{1}), Starts: []int64{1}, Counts: []int64{1}}}},
		&etp.GetDataArrays{DataArrays: map[string]etp.DataArrayIdentifier{"0": uid(owner, "/a")}},
		&etp.GetDataSubarrays{DataSubarrays: map[string]etp.GetDataSubarraysType{"0": {UID: uid(owner, "/a"),
			Starts: []int64{0, 1}, Counts: []int64{2, 1}}}},
		&etp.GetDataArrayMetadata{DataArrays: map[string]etp.DataArrayIdentifier{"0": uid(owner, "/a")}},
		&etp.GetResources{Context: etp.ContextInfo{URI: "eml:///", Depth: 1}, Scope: etp.ContextScopeTargets, CountObjects: true, IncludeEdges: true},
		&etp.StartTransaction{DataspaceURIs: []string{""}},
		&etp.CommitTransaction{TransactionUUID: id},
		&etp.RollbackTransaction{TransactionUUID: id},
		&etp.Chunk{BlobID: id, Data: []byte("x"), Final: true},
		&etp.Authorize{Authorization: "Bearer x"},
	}
	var seeds [][]byte
	for _, b := range bodies {
		seeds = append(seeds, encodeMsg(t, b, 4, 0, fin))
	}
	blob := id
	d := obj.dataObject()
	d.Data, d.BlobID = nil, &blob
	seeds = append(seeds,
		encodeMsg(t, &etp.PutDataObjects{DataObjects: map[string]etp.DataObject{"0": d}}, 4, 0, 0),
		encodeMsg(t, &etp.GetDataspaces{}, 4, 0, fin|etp.FlagAcknowledgementRequested),
		[]byte{}, []byte{0x12, 0x04, 0x00, 0x08, 0x04, 0xff},
		append(header(24, 3, 0, 4, fin|etp.FlagCompressed), gzipBytes(t, []byte{2, 2, 0x30})...),
	)
	return seeds
}

// FuzzHandleMessage feeds arbitrary bytes as one message to a session
// after a valid handshake. The server must not panic, and everything it
// sends must be a valid message with an odd, increasing id (or it closes the
// session).
func FuzzHandleMessage(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	srv, err := New(&Options{Logger: testLogger(f), MaxMessageSize: 64 << 10, MaxDecompressedSize: 1 << 20,
		MaxDataArraySize: 1 << 20})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = srv.Close() })
	rs := encodeMsg(f, clientRequestSession(0), 2, 0, etp.FlagFinalPart)
	f.Fuzz(func(t *testing.T, msg []byte) {
		w := &memWire{}
		s := newSession(srv, "fuzz")
		s.w = w
		if !s.handle(rs) || !s.open.Load() {
			t.Fatal("handshake failed")
		}
		s.handle(msg)
		s.inflight.Wait()
		s.teardown()
		if n := srv.panics.Load(); n != 0 {
			t.Fatalf("%d handler panics", n)
		}
		var last int64
		for i, out := range w.messages() {
			h, body, err := etp.DecodeMessage(out, nil)
			if err != nil {
				t.Fatalf("message %d from the server does not decode: %v", i, err)
			}
			if h.MessageID%2 != 1 || h.MessageID <= last {
				t.Fatalf("message %d has id %d after %d", i, h.MessageID, last)
			}
			last = h.MessageID
			if int64(len(out)) > s.msgLimit {
				t.Fatalf("message %d is %d bytes, over the limit %d", i, len(out), s.msgLimit)
			}
			if i > 0 && h.CorrelationID == 0 {
				if _, ok := body.(*etp.ProtocolException); !ok {
					t.Fatalf("uncorrelated %T", body)
				}
			}
		}
	})
}
