package etp

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
)

func xmlObject(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + rng.IntN(26))
	}
	return b
}

// storePeer is a small in-memory Store: it reassembles PutDataObjects with
// Chunk parts, checks the multipart rules, and answers GetDataObjects with
// chunks when an object exceeds chunkAbove bytes.
type storePeer struct {
	t          *testing.T
	mu         sync.Mutex
	objects    map[string][]byte // by URI
	chunkAbove int
	chunkSize  int
	limit      int64
	pending    map[int64]*putInProgress // by first part id
	maxChunk   int                      // largest Chunk data seen
	multipart  int                      // multipart requests seen
	maxOpen    int                      // most multipart requests in progress at once
}

type putInProgress struct {
	req   *PutDataObjects
	blobs map[UUID][]byte
	final map[UUID]bool
}

func (sp *storePeer) handle(c *peerConn, m peerMsg) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if int64(m.size) > sp.limit {
		sp.t.Errorf("message %v of %d bytes exceeds the session limit %d", m.h, m.size, sp.limit)
	}
	switch b := m.body.(type) {
	case *PutDataObjects:
		if m.h.CorrelationID != 0 {
			sp.t.Errorf("first part %v correlated", m.h)
		}
		pp := &putInProgress{req: b, blobs: map[UUID][]byte{}, final: map[UUID]bool{}}
		if !m.h.HasFlag(FlagFinalPart) {
			sp.multipart++
			sp.pending[m.h.MessageID] = pp
			sp.maxOpen = max(sp.maxOpen, len(sp.pending))
			return
		}
		sp.finishPut(c, m, pp)
	case *Chunk:
		pp := sp.pending[m.h.CorrelationID]
		if pp == nil {
			sp.t.Errorf("chunk %v correlated to no PutDataObjects", m.h)
			return
		}
		sp.maxChunk = max(sp.maxChunk, len(b.Data))
		if pp.final[b.BlobID] {
			sp.t.Errorf("chunk after the final one of blob %s", b.BlobID)
		}
		pp.blobs[b.BlobID] = append(pp.blobs[b.BlobID], b.Data...)
		pp.final[b.BlobID] = b.Final
		if m.h.HasFlag(FlagFinalPart) {
			delete(sp.pending, m.h.CorrelationID)
			m.h.MessageID = m.h.CorrelationID // answer the first part
			sp.finishPut(c, m, pp)
		}
	case *GetDataObjects:
		resp := &GetDataObjectsResponse{DataObjects: map[string]DataObject{}}
		var chunks []*Chunk
		pe := &ProtocolException{Errors: map[string]ErrorInfo{}}
		for k, uri := range b.URIs {
			data, ok := sp.objects[uri]
			if !ok {
				pe.Errors[k] = ErrorInfo{Code: ENotFound, Message: "no object " + uri}
				continue
			}
			obj := DataObject{Resource: Resource{URI: uri}, Format: "xml", Data: data}
			if len(data) > sp.chunkAbove {
				id := NewUUID()
				obj.BlobID, obj.Data = &id, nil
				for off := 0; off < len(data); off += sp.chunkSize {
					end := min(off+sp.chunkSize, len(data))
					chunks = append(chunks, &Chunk{BlobID: id, Data: data[off:end], Final: end == len(data)})
				}
			}
			resp.DataObjects[k] = obj
		}
		c.part(m, resp)
		for _, ch := range chunks {
			c.part(m, ch)
		}
		c.reply(m, pe)
	case *DeleteDataObjects:
		resp := &DeleteDataObjectsResponse{DeletedURIs: map[string]ArrayOfString{}}
		for k, uri := range b.URIs {
			delete(sp.objects, uri)
			resp.DeletedURIs[k] = Strings(uri)
		}
		c.reply(m, resp)
	}
}

func (sp *storePeer) finishPut(c *peerConn, m peerMsg, pp *putInProgress) {
	resp := &PutDataObjectsResponse{Success: map[string]PutResponse{}}
	for k, obj := range pp.req.DataObjects {
		data := obj.Data
		if obj.BlobID != nil {
			if len(obj.Data) != 0 {
				sp.t.Errorf("object %s has both a blob and data", k)
			}
			if !pp.final[*obj.BlobID] {
				sp.t.Errorf("blob of %s has no final chunk", k)
			}
			data = pp.blobs[*obj.BlobID]
		}
		sp.objects[obj.Resource.URI] = data
		resp.Success[k] = PutResponse{}
	}
	c.reply(m, resp)
}

func newStorePeer(t *testing.T, limit int64, caps map[string]DataValue) (*testPeer, *storePeer) {
	sp := &storePeer{t: t, objects: map[string][]byte{}, chunkAbove: 1 << 30, chunkSize: 1000, limit: limit,
		pending: map[int64]*putInProgress{}}
	if limit == 0 {
		sp.limit = 16 << 20
	}
	p := newTestPeer(t, peerOptions{maxMessage: limit, endpointCaps: caps, handler: sp.handle, compression: "gzip"})
	return p, sp
}

func TestPutDataObjectsChunked(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		limit        int64
		caps         map[string]DataValue
		sizes        map[string]int
		wantParts    bool
		wantMaxChunk int
	}{
		{name: "fits one message", limit: 64 << 10, sizes: map[string]int{"a": 1000, "b": 2000}},
		{name: "one big object", limit: 4096, sizes: map[string]int{"big": 20000, "small": 100}, wantParts: true},
		{name: "several big objects", limit: 4096, sizes: map[string]int{"x": 9000, "y": 5000, "z": 4000, "s": 10},
			wantParts: true},
		{name: "MaxPartSize", limit: 16 << 10, caps: map[string]DataValue{"MaxPartSize": Long(1000)},
			sizes: map[string]int{"big": 50000}, wantParts: true, wantMaxChunk: 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, sp := newStorePeer(t, tt.limit, tt.caps)
			s := dialPeer(t, p, nil)
			objects := map[string]DataObject{}
			want := map[string][]byte{}
			for k, n := range tt.sizes {
				uri := ObjectURI("demo", "resqml20.obj_Grid2dRepresentation", NewUUID())
				data := xmlObject(n, uint64(n))
				objects[k] = DataObject{Resource: Resource{URI: uri, Name: k}, Format: "xml", Data: data}
				want[uri] = data
			}
			res, err := s.PutDataObjects(testCtx(t), objects)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Success) != len(objects) {
				t.Errorf("successes %v", res.Success)
			}
			for k, obj := range objects {
				if obj.BlobID != nil || len(obj.Data) != tt.sizes[k] {
					t.Errorf("the caller's object %s was modified", k)
				}
			}
			sp.mu.Lock()
			defer sp.mu.Unlock()
			for uri, data := range want {
				if !bytes.Equal(sp.objects[uri], data) {
					t.Errorf("stored %s: %d bytes, want %d", uri, len(sp.objects[uri]), len(data))
				}
			}
			if (sp.multipart > 0) != tt.wantParts {
				t.Errorf("multipart requests %d, want parts %v", sp.multipart, tt.wantParts)
			}
			if tt.wantMaxChunk > 0 && sp.maxChunk > tt.wantMaxChunk {
				t.Errorf("chunk of %d bytes exceeds MaxPartSize %d", sp.maxChunk, tt.wantMaxChunk)
			}
		})
	}
}

func TestPutDataObjectsTooManyForOneMessage(t *testing.T) {
	t.Parallel()
	p, _ := newStorePeer(t, 2048, nil)
	s := dialPeer(t, p, nil)
	objects := map[string]DataObject{}
	for i := range 100 {
		objects[fmt.Sprint(i)] = DataObject{Resource: Resource{URI: strings.Repeat("u", 100)}, Data: []byte("x")}
	}
	_, err := s.PutDataObjects(testCtx(t), objects)
	if !errors.Is(err, ErrMessageTooLarge) || !strings.Contains(err.Error(), "fewer objects") {
		t.Fatalf("err = %v", err)
	}
}

func TestGetDataObjectsChunked(t *testing.T) {
	t.Parallel()
	p, sp := newStorePeer(t, 16<<10, nil)
	sp.chunkAbove = 3000
	big, small := xmlObject(25000, 1), xmlObject(500, 2)
	sp.objects["eml:///big"] = big
	sp.objects["eml:///small"] = small
	s := dialPeer(t, p, nil)
	res, err := s.GetDataObjects(testCtx(t), map[string]string{"b": "eml:///big", "s": "eml:///small", "m": "eml:///missing"})
	if CodeOf(err) != ENotFound {
		t.Fatalf("err = %v", err)
	}
	if got := res.Success["b"]; !bytes.Equal(got.Data, big) || got.BlobID != nil {
		t.Errorf("big object: %d bytes, blob %v", len(got.Data), got.BlobID)
	}
	if !bytes.Equal(res.Success["s"].Data, small) {
		t.Errorf("small object")
	}
	if res.Errors["m"] == nil || res.Errors["m"].Code != ENotFound || len(res.Errors) != 1 {
		t.Errorf("errors %v", res.Errors)
	}

	// An object larger than MaxDataObjectSize fails its key only.
	s2 := dialPeer(t, p, &SessionOptions{MaxDataObjectSize: 10000})
	res, err = s2.GetDataObjects(testCtx(t), map[string]string{"b": "eml:///big", "s": "eml:///small"})
	if res == nil || res.Errors["b"] == nil || res.Errors["b"].Code != EMaxSizeExceeded || len(res.Success) != 1 {
		t.Fatalf("MaxDataObjectSize: %v, %v", res, err)
	}
}

func TestGetDataObjectsIncompleteChunks(t *testing.T) {
	t.Parallel()
	p := newTestPeer(t, peerOptions{handler: func(c *peerConn, m peerMsg) {
		id := NewUUID()
		c.part(m, &GetDataObjectsResponse{DataObjects: map[string]DataObject{"0": {BlobID: &id}}})
		c.part(m, &Chunk{BlobID: id, Data: []byte("half")})
		c.reply(m, &GetDataObjectsResponse{})
	}})
	s := dialPeer(t, p, nil)
	res, err := s.GetDataObjects(testCtx(t), map[string]string{"0": "eml:///x"})
	if err == nil || res.Errors["0"] == nil || !strings.Contains(res.Errors["0"].Message, "final chunk") {
		t.Fatalf("res %v err %v", res, err)
	}
}

func TestDeleteDataObjects(t *testing.T) {
	t.Parallel()
	p, sp := newStorePeer(t, 0, nil)
	sp.objects["eml:///a"] = []byte("x")
	s := dialPeer(t, p, nil)
	res, err := s.DeleteDataObjects(testCtx(t), map[string]string{"k": "eml:///a"})
	if err != nil || !slices.Equal(res.Success["k"], []string{"eml:///a"}) {
		t.Fatalf("%v %v", res, err)
	}
}

func TestDataspaceRequests(t *testing.T) {
	t.Parallel()
	p := newTestPeer(t, peerOptions{handler: func(c *peerConn, m peerMsg) {
		switch b := m.body.(type) {
		case *GetDataspaces:
			c.part(m, &GetDataspacesResponse{Dataspaces: []Dataspace{{URI: "eml:///dataspace('a')", Path: "a"}}})
			c.part(m, &GetDataspacesResponse{Dataspaces: []Dataspace{{URI: "eml:///dataspace('b')", Path: "b"}}})
			if b.StoreLastWriteFilter != nil {
				c.reply(m, &ProtocolException{Error: &ErrorInfo{Code: EResponseCountExceeded, Message: "more"}})
				return
			}
			c.reply(m, &GetDataspacesResponse{})
		case *PutDataspaces:
			resp := &PutDataspacesResponse{Success: map[string]string{}}
			pe := &ProtocolException{Errors: map[string]ErrorInfo{}}
			for k, ds := range b.Dataspaces {
				if ds.Path == "exists" {
					pe.Errors[k] = ErrorInfo{Code: EInvalidArgument, Message: "exists"}
				} else {
					resp.Success[k] = ""
				}
			}
			c.part(m, resp)
			c.reply(m, pe)
		case *DeleteDataspaces:
			resp := &DeleteDataspacesResponse{Success: map[string]string{}}
			for k := range b.URIs {
				resp.Success[k] = ""
			}
			c.reply(m, resp)
		}
	}})
	s := dialPeer(t, p, nil)
	ctx := testCtx(t)
	ds, err := s.GetDataspaces(ctx)
	if err != nil || len(ds) != 2 || ds[1].Path != "b" {
		t.Fatalf("GetDataspaces = %v, %v", ds, err)
	}
	ds, err = s.GetDataspacesSince(ctx, 5)
	if len(ds) != 2 || CodeOf(err) != EResponseCountExceeded {
		t.Fatalf("truncated list = %v, %v", ds, err)
	}
	res, err := s.PutDataspaces(ctx, map[string]Dataspace{
		"new": {URI: DataspaceURI("new"), Path: "new"}, "old": {URI: DataspaceURI("exists"), Path: "exists"}})
	if CodeOf(err) != EInvalidArgument || len(res.Success) != 1 || res.Errors["old"] == nil {
		t.Fatalf("PutDataspaces = %+v, %v", res, err)
	}
	del, err := s.DeleteDataspaces(ctx, map[string]string{"x": DataspaceURI("new")})
	if err != nil || len(del.Success) != 1 {
		t.Fatalf("DeleteDataspaces = %+v, %v", del, err)
	}
	empty, err := s.DeleteDataspaces(ctx, nil)
	if err != nil || len(empty.Success) != 0 {
		t.Fatalf("empty request = %+v, %v", empty, err)
	}
}

func TestTransactionRequests(t *testing.T) {
	t.Parallel()
	txID := NewUUID()
	p := newTestPeer(t, peerOptions{handler: func(c *peerConn, m peerMsg) {
		switch b := m.body.(type) {
		case *StartTransaction:
			switch b.Message {
			case "busy":
				c.fail(m, EMaxTransactionsExceeded, "another transaction is open")
			case "refuse":
				c.reply(m, &StartTransactionResponse{Successful: false, FailureReason: "locked"})
			default:
				if !slices.Equal(b.DataspaceURIs, []string{"eml:///dataspace('a')"}) || b.ReadOnly {
					c.fail(m, EInvalidArgument, "bad request")
					return
				}
				c.reply(m, &StartTransactionResponse{TransactionUUID: txID, Successful: true})
			}
		case *CommitTransaction:
			c.reply(m, &CommitTransactionResponse{TransactionUUID: b.TransactionUUID, Successful: b.TransactionUUID == txID,
				FailureReason: "unknown transaction"})
		case *RollbackTransaction:
			c.reply(m, &RollbackTransactionResponse{TransactionUUID: b.TransactionUUID, Successful: true})
		}
	}})
	s := dialPeer(t, p, nil)
	ctx := testCtx(t)
	id, err := s.StartTransaction(ctx, false, []string{"eml:///dataspace('a')"}, "load")
	if err != nil || id != txID {
		t.Fatalf("StartTransaction = %v, %v", id, err)
	}
	if err := s.CommitTransaction(ctx, id); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if err := s.CommitTransaction(ctx, NewUUID()); !errors.Is(err, ErrTransactionFailed) ||
		!strings.Contains(err.Error(), "unknown transaction") {
		t.Fatalf("failed Commit: %v", err)
	}
	if err := s.RollbackTransaction(ctx, id); err != nil {
		t.Fatalf("Rollback: %v", err)
	}
	if _, err := s.StartTransaction(ctx, false, nil, "busy"); CodeOf(err) != EMaxTransactionsExceeded {
		t.Fatalf("busy: %v", err)
	}
	if _, err := s.StartTransaction(ctx, false, nil, "refuse"); !errors.Is(err, ErrTransactionFailed) ||
		!strings.Contains(err.Error(), "locked") {
		t.Fatalf("refused: %v", err)
	}
}

func TestGetResources(t *testing.T) {
	t.Parallel()
	p := newTestPeer(t, peerOptions{handler: func(c *peerConn, m peerMsg) {
		switch b := m.body.(type) {
		case *GetResources:
			if b.Scope != ContextScopeTargets || b.Context.Depth != 1 || !b.IncludeEdges || !b.CountObjects {
				c.fail(m, EInvalidArgument, fmt.Sprintf("%+v", b))
				return
			}
			c.part(m, &GetResourcesResponse{Resources: []Resource{{URI: "eml:///a"}}})
			c.part(m, &GetResourcesResponse{Resources: []Resource{{URI: "eml:///b"}}})
			c.reply(m, &GetResourcesEdgesResponse{Edges: []Edge{{SourceURI: "eml:///a", TargetURI: "eml:///b"}}})
		case *GetDeletedResources:
			c.reply(m, &GetDeletedResourcesResponse{DeletedResources: []DeletedResource{{URI: b.DataspaceURI + "x"}}})
		}
	}})
	s := dialPeer(t, p, nil)
	ctx := testCtx(t)
	res, edges, err := s.GetResources(ctx, ContextInfo{URI: "eml:///dataspace('a')", Depth: 1}, ContextScopeTargets,
		&GetResourcesOptions{IncludeEdges: true, CountObjects: true})
	if err != nil || len(res) != 2 || len(edges) != 1 || res[1].URI != "eml:///b" {
		t.Fatalf("GetResources = %v %v %v", res, edges, err)
	}
	del, err := s.GetDeletedResources(ctx, "eml:///", nil, nil)
	if err != nil || len(del) != 1 || del[0].URI != "eml:///x" {
		t.Fatalf("GetDeletedResources = %v %v", del, err)
	}
}

func TestUnexpectedResponseType(t *testing.T) {
	t.Parallel()
	p := newTestPeer(t, peerOptions{handler: func(c *peerConn, m peerMsg) {
		c.reply(m, &PutDataArraysResponse{Success: map[string]string{"0": ""}})
	}})
	s := dialPeer(t, p, nil)
	_, err := s.GetDataArrays(testCtx(t), map[string]DataArrayIdentifier{"0": {}})
	if err == nil || !strings.Contains(err.Error(), "unexpected PutDataArraysResponse") {
		t.Fatalf("err = %v", err)
	}
	if _, err := s.StartTransaction(testCtx(t), true, nil, ""); err == nil {
		t.Fatal("StartTransaction accepted a PutDataArraysResponse")
	}
}

func TestArrayRequestsRoundTrip(t *testing.T) {
	t.Parallel()
	// A tiny array store: enough to check that every DataArray method sends
	// its body and decodes its response.
	var mu sync.Mutex
	arrays := map[string]DataArray{}
	p := newTestPeer(t, peerOptions{handler: func(c *peerConn, m peerMsg) {
		mu.Lock()
		defer mu.Unlock()
		key := func(id DataArrayIdentifier) string { return id.URI + "|" + id.PathInResource }
		switch b := m.body.(type) {
		case *PutUninitializedDataArrays:
			ok := map[string]string{}
			for k, a := range b.DataArrays {
				n := int64(1)
				for _, d := range a.Metadata.Dimensions {
					n *= d
				}
				arrays[key(a.UID)] = DataArray{Dimensions: a.Metadata.Dimensions, Data: DoubleArray(make([]float64, n))}
				ok[k] = ""
			}
			c.reply(m, &PutUninitializedDataArraysResponse{Success: ok})
		case *PutDataSubarrays:
			ok := map[string]string{}
			for k, sub := range b.DataSubarrays {
				copy(arrays[key(sub.UID)].Data.Doubles[sub.Starts[0]:], sub.Data.Doubles)
				ok[k] = ""
			}
			c.reply(m, &PutDataSubarraysResponse{Success: ok})
		case *PutDataArrays:
			ok := map[string]string{}
			for k, a := range b.DataArrays {
				arrays[key(a.UID)] = a.Array
				ok[k] = ""
			}
			c.reply(m, &PutDataArraysResponse{Success: ok})
		case *GetDataArrayMetadata:
			out := map[string]DataArrayMetadata{}
			for k, id := range b.DataArrays {
				out[k] = DataArrayMetadata{Dimensions: arrays[key(id)].Dimensions, TransportArrayType: AnyArrayDouble}
			}
			c.reply(m, &GetDataArrayMetadataResponse{ArrayMetadata: out})
		case *GetDataArrays:
			out := map[string]DataArray{}
			for k, id := range b.DataArrays {
				out[k] = arrays[key(id)]
			}
			c.reply(m, &GetDataArraysResponse{DataArrays: out})
		}
	}})
	s := dialPeer(t, p, nil)
	ctx := testCtx(t)
	uid := DataArrayIdentifier{URI: "eml:///dataspace('a')/eml20.obj_EpcExternalPartReference(x)", PathInResource: "/p"}
	if _, err := s.PutUninitializedDataArrays(ctx, map[string]PutUninitializedDataArrayType{"0": {UID: uid,
		Metadata: DataArrayMetadata{Dimensions: []int64{10}, TransportArrayType: AnyArrayDouble,
			LogicalArrayType: LogicalArrayDouble64LE}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutDataSubarrays(ctx, map[string]PutDataSubarraysType{
		"lo": {UID: uid, Data: DoubleArray([]float64{1, 2, 3, 4, 5}), Starts: []int64{0}, Counts: []int64{5}},
		"hi": {UID: uid, Data: DoubleArray([]float64{6, 7, 8, 9, 10}), Starts: []int64{5}, Counts: []int64{5}},
	}); err != nil {
		t.Fatal(err)
	}
	md, err := s.GetDataArrayMetadata(ctx, map[string]DataArrayIdentifier{"0": uid})
	if err != nil || !slices.Equal(md.Success["0"].Dimensions, []int64{10}) {
		t.Fatalf("metadata %v %v", md, err)
	}
	got, err := s.GetDataArrays(ctx, map[string]DataArrayIdentifier{"0": uid})
	if err != nil || !slices.Equal(got.Success["0"].Data.Doubles, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) {
		t.Fatalf("GetDataArrays %v %v", got, err)
	}
	uid2 := DataArrayIdentifier{URI: uid.URI, PathInResource: "/q"}
	if _, err := s.PutDataArrays(ctx, map[string]PutDataArraysType{"0": {UID: uid2,
		Array: DataArray{Dimensions: []int64{2}, Data: IntArray([]int32{-1, 1})}}}); err != nil {
		t.Fatal(err)
	}
	got, err = s.GetDataArrays(ctx, map[string]DataArrayIdentifier{"0": uid2})
	if err != nil || !slices.Equal(got.Success["0"].Data.Ints, []int32{-1, 1}) {
		t.Fatalf("GetDataArrays %v %v", got, err)
	}
}

func TestPutDataObjectsRespectsMaxConcurrentMultipart(t *testing.T) {
	t.Parallel()
	p, sp := newStorePeer(t, 4096, map[string]DataValue{"MaxConcurrentMultipart": Long(1)})
	s := dialPeer(t, p, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			uri := ObjectURI("demo", "resqml20.obj_Grid2dRepresentation", NewUUID())
			_, err := s.PutDataObjects(testCtx(t), map[string]DataObject{"0": {Resource: Resource{URI: uri},
				Data: xmlObject(30000, uint64(i))}})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.multipart != 6 || sp.maxOpen != 1 {
		t.Errorf("%d multipart requests, at most %d at once; want 6 and 1", sp.multipart, sp.maxOpen)
	}
}

func TestMultipartOnlyWhereAllowed(t *testing.T) {
	t.Parallel()
	p := newTestPeer(t, peerOptions{})
	s := dialPeer(t, p, nil)
	_, err := s.requestParts(testCtx(t), []Message{&GetDataObjects{}, &Chunk{}}, requestOptions{})
	if err == nil || !strings.Contains(err.Error(), "multipart") {
		t.Fatalf("err = %v", err)
	}
}
