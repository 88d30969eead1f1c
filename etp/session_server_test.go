package etp_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/etp-transfer/etp-transfer/etp"
	"github.com/etp-transfer/etp-transfer/etp/server"
)

// These tests dial the embedded store (etp/server) over real sockets and
// exercise every typed method of Session against it.

// startStore runs an in-memory embedded server behind httptest and returns
// its ws:// URL.
func startStore(t testing.TB, opts *server.Options) string {
	t.Helper()
	o := server.Options{}
	if opts != nil {
		o = *opts
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	srv, err := server.New(&o)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("server shutdown: %v", err)
		}
		hs.Close()
	})
	return "ws" + strings.TrimPrefix(hs.URL, "http") + "/api/etp"
}

func ctxFor(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func dial(t testing.TB, url string, opts *etp.SessionOptions) *etp.Session {
	t.Helper()
	s, err := etp.Dial(ctxFor(t), url, opts)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// gridXML returns a minimal RESQML 2.0.1 Grid2dRepresentation whose XML
// carries uuid and title, padded to at least pad bytes.
func gridXML(id etp.UUID, title string, pad int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?>
<resqml2:Grid2dRepresentation xmlns:eml="http://www.energistics.org/energyml/data/commonv2" `+
		`xmlns:resqml2="http://www.energistics.org/energyml/data/resqmlv2" `+
		`xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" schemaVersion="2.0" uuid="%s" `+
		`xsi:type="resqml2:obj_Grid2dRepresentation">
  <eml:Citation><eml:Title>%s</eml:Title><eml:Originator>test</eml:Originator></eml:Citation>
`, id, title)
	if pad > 0 {
		b.WriteString("  <resqml2:Filler>")
		for i := 0; b.Len() < pad; i++ {
			fmt.Fprintf(&b, "%d ", i)
		}
		b.WriteString("</resqml2:Filler>\n")
	}
	b.WriteString("</resqml2:Grid2dRepresentation>\n")
	return []byte(b.String())
}

func TestServerDataspacesAndObjects(t *testing.T) {
	t.Parallel()
	for _, limit := range []int64{4 << 10, 16 << 20} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			t.Parallel()
			url := startStore(t, &server.Options{MaxMessageSize: limit})
			s := dial(t, url, nil)
			ctx := ctxFor(t)
			if s.Info().MaxMessageSize != limit || s.Info().Compression != "gzip" {
				t.Fatalf("negotiated %+v", s.Info())
			}

			res, err := s.PutDataspaces(ctx, map[string]etp.Dataspace{
				"demo": {URI: etp.DataspaceURI("demo"), Path: "demo"},
			})
			if err != nil || len(res.Success) != 1 {
				t.Fatalf("PutDataspaces = %+v, %v", res, err)
			}
			if _, err := s.PutDataspaces(ctx, map[string]etp.Dataspace{
				"again": {URI: etp.DataspaceURI("demo"), Path: "demo"}}); etp.CodeOf(err) != etp.EInvalidArgument {
				t.Errorf("existing dataspace: %v", err)
			}
			spaces, err := s.GetDataspaces(ctx)
			if err != nil || !slices.ContainsFunc(spaces, func(d etp.Dataspace) bool { return d.Path == "demo" }) {
				t.Fatalf("GetDataspaces = %v, %v", spaces, err)
			}

			small, big := etp.NewUUID(), etp.NewUUID()
			objects := map[string]etp.DataObject{}
			xmls := map[string][]byte{}
			for k, o := range map[string]struct {
				id  etp.UUID
				pad int
			}{"small": {small, 0}, "big": {big, 20000}} { // big needs chunks at 4 KiB
				uri := etp.ObjectURI("demo", "resqml20.obj_Grid2dRepresentation", o.id)
				xmls[k] = gridXML(o.id, k, o.pad)
				objects[k] = etp.DataObject{Resource: etp.Resource{URI: uri, Name: k}, Format: "xml", Data: xmls[k]}
			}
			put, err := s.PutDataObjects(ctx, objects)
			if err != nil || len(put.Success) != 2 {
				t.Fatalf("PutDataObjects = %+v, %v", put, err)
			}
			uris := map[string]string{"small": objects["small"].Resource.URI, "big": objects["big"].Resource.URI,
				"missing": etp.ObjectURI("demo", "resqml20.obj_Grid2dRepresentation", etp.NewUUID())}
			got, err := s.GetDataObjects(ctx, uris)
			var ke etp.KeyErrors
			if !errors.As(err, &ke) || len(ke) != 1 || ke["missing"].Code != etp.ENotFound {
				t.Fatalf("GetDataObjects error %v", err)
			}
			for k, want := range xmls {
				if !bytes.Equal(got.Success[k].Data, want) {
					t.Errorf("%s: %d bytes back, want %d", k, len(got.Success[k].Data), len(want))
				}
			}

			resources, _, err := s.GetResources(ctx, etp.ContextInfo{URI: etp.DataspaceURI("demo"), Depth: 1},
				etp.ContextScopeTargets, nil)
			if err != nil || len(resources) != 2 {
				t.Fatalf("GetResources = %v, %v", resources, err)
			}
			if _, err := s.GetDeletedResources(ctx, etp.DataspaceURI("demo"), nil, nil); etp.CodeOf(err) != etp.ENotSupported {
				t.Errorf("GetDeletedResources: %v", err)
			}

			del, err := s.DeleteDataObjects(ctx, map[string]string{"s": uris["small"]})
			if err != nil || !slices.Contains(del.Success["s"], uris["small"]) {
				t.Fatalf("DeleteDataObjects = %+v, %v", del, err)
			}
			if _, err := s.DeleteDataspaces(ctx, map[string]string{"d": etp.DataspaceURI("demo")}); etp.CodeOf(err) != etp.ERequestDenied {
				t.Errorf("deleting a dataspace with data: %v", err)
			}
			if _, err := s.DeleteDataObjects(ctx, map[string]string{"b": uris["big"]}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.DeleteDataspaces(ctx, map[string]string{"d": etp.DataspaceURI("demo")}); err != nil {
				t.Errorf("DeleteDataspaces: %v", err)
			}
		})
	}
}

func TestServerArrays(t *testing.T) {
	t.Parallel()
	url := startStore(t, &server.Options{MaxMessageSize: 64 << 10})
	s := dial(t, url, nil)
	ctx := ctxFor(t)
	if _, err := s.PutDataspaces(ctx, map[string]etp.Dataspace{"0": {URI: etp.DataspaceURI("a"), Path: "a"}}); err != nil {
		t.Fatal(err)
	}
	owner := etp.ObjectURI("a", "eml20.obj_EpcExternalPartReference", etp.NewUUID())
	uid := etp.DataArrayIdentifier{URI: owner, PathInResource: "/RESQML/grid/points"}
	const rows, cols = 300, 50 // 120000 bytes: more than one message
	if _, err := s.PutUninitializedDataArrays(ctx, map[string]etp.PutUninitializedDataArrayType{"0": {UID: uid,
		Metadata: etp.DataArrayMetadata{Dimensions: []int64{rows, cols}, TransportArrayType: etp.AnyArrayDouble,
			LogicalArrayType: etp.LogicalArrayDouble64LE}}}); err != nil {
		t.Fatal(err)
	}
	value := func(r, c int) float64 { return float64(r)*1000 + float64(c) }
	// Write blocks of 50 rows from several goroutines at once.
	var wg sync.WaitGroup
	errs := make(chan error, rows/50)
	for start := 0; start < rows; start += 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := make([]float64, 0, 50*cols)
			for r := start; r < start+50; r++ {
				for c := range cols {
					v = append(v, value(r, c))
				}
			}
			_, err := s.PutDataSubarrays(ctx, map[string]etp.PutDataSubarraysType{"b": {UID: uid,
				Data: etp.DoubleArray(v), Starts: []int64{int64(start), 0}, Counts: []int64{50, cols}}})
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
	md, err := s.GetDataArrayMetadata(ctx, map[string]etp.DataArrayIdentifier{"0": uid})
	if err != nil || !slices.Equal(md.Success["0"].Dimensions, []int64{rows, cols}) ||
		md.Success["0"].TransportArrayType != etp.AnyArrayDouble {
		t.Fatalf("metadata %+v, %v", md, err)
	}
	// Too large for one message: EMAXSIZE_EXCEEDED for that key.
	if _, err := s.GetDataArrays(ctx, map[string]etp.DataArrayIdentifier{"0": uid}); etp.CodeOf(err) != etp.EMaxSizeExceeded {
		t.Errorf("GetDataArrays of a large array: %v", err)
	}
	sub, err := s.GetDataSubarrays(ctx, map[string]etp.GetDataSubarraysType{
		"x": {UID: uid, Starts: []int64{10, 5}, Counts: []int64{3, 4}},
		"y": {UID: uid, Starts: []int64{299, 49}, Counts: []int64{1, 1}},
		"z": {UID: uid, Starts: []int64{299, 49}, Counts: []int64{2, 1}},
	})
	if etp.CodeOf(err) != etp.EInvalidArgument || len(sub.Success) != 2 {
		t.Fatalf("GetDataSubarrays = %+v, %v", sub, err)
	}
	x := sub.Success["x"]
	if !slices.Equal(x.Dimensions, []int64{3, 4}) || x.Data.Doubles[5] != value(11, 6) {
		t.Errorf("block x = %v %v", x.Dimensions, x.Data.Doubles)
	}
	if sub.Success["y"].Data.Doubles[0] != value(299, 49) {
		t.Errorf("block y = %v", sub.Success["y"].Data.Doubles)
	}

	small := etp.DataArrayIdentifier{URI: owner, PathInResource: "/small"}
	if _, err := s.PutDataArrays(ctx, map[string]etp.PutDataArraysType{"0": {UID: small,
		Array: etp.DataArray{Dimensions: []int64{2, 2}, Data: etp.IntArray([]int32{1, -2, 3, -4})}}}); err != nil {
		t.Fatal(err)
	}
	whole, err := s.GetDataArrays(ctx, map[string]etp.DataArrayIdentifier{"0": small})
	if err != nil || !slices.Equal(whole.Success["0"].Data.Ints, []int32{1, -2, 3, -4}) {
		t.Fatalf("GetDataArrays = %+v, %v", whole, err)
	}
}

func TestServerTransactions(t *testing.T) {
	t.Parallel()
	url := startStore(t, &server.Options{RequireTransactions: true})
	s := dial(t, url, nil)
	ctx := ctxFor(t)
	ds := map[string]etp.Dataspace{"0": {URI: etp.DataspaceURI("tx"), Path: "tx"}}
	if _, err := s.PutDataspaces(ctx, ds); etp.CodeOf(err) != etp.ERequestDenied {
		t.Fatalf("write outside a transaction: %v", err)
	}
	id, err := s.StartTransaction(ctx, false, []string{etp.DataspaceURI("tx")}, "create")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartTransaction(ctx, false, []string{etp.DataspaceURI("tx")}, "second"); etp.CodeOf(err) != etp.EMaxTransactionsExceeded {
		t.Errorf("second transaction: %v", err)
	}
	if _, err := s.PutDataspaces(ctx, ds); err != nil {
		t.Fatal(err)
	}
	if err := s.CommitTransaction(ctx, id); err != nil {
		t.Fatal(err)
	}
	id, err = s.StartTransaction(ctx, false, []string{etp.DataspaceURI("tx")}, "discard")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RollbackTransaction(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := s.CommitTransaction(ctx, id); err == nil {
		t.Error("commit of a rolled-back transaction succeeded")
	}
}

func TestServerLowLevel(t *testing.T) {
	t.Parallel()
	const token = "integration-token"
	url := startStore(t, &server.Options{Token: token})
	if _, err := etp.Dial(ctxFor(t), url, nil); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("Dial without the token: %v", err)
	}
	s := dial(t, url, &etp.SessionOptions{Token: token})
	ctx := ctxFor(t)
	if _, err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	resp, err := s.Request(ctx, &etp.GetDataspaces{})
	if err != nil || len(resp.Parts) == 0 {
		t.Fatalf("Request = %v, %v", resp, err)
	}
	if _, ok := resp.Parts[0].Body.(*etp.GetDataspacesResponse); !ok {
		t.Errorf("first part %T", resp.Parts[0].Body)
	}
	caps, err := etp.GetServerCapabilities(ctx, url, &etp.SessionOptions{Token: token})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := etp.CapabilityInt64(caps.EndpointCapabilities, "MaxWebSocketMessagePayloadSize"); !ok || v <= 0 {
		t.Errorf("capabilities %+v", caps.EndpointCapabilities)
	}
	if len(caps.SupportedProtocols) == 0 {
		t.Error("no protocols in the capabilities document")
	}
}

// BenchmarkServerPutGetSubarrays moves float64 blocks of 1 MiB through the
// embedded server: PutDataSubarrays then GetDataSubarrays, 4 requests in
// flight on one session.
func BenchmarkServerPutGetSubarrays(b *testing.B) {
	url := startStore(b, nil)
	s := dial(b, url, &etp.SessionOptions{Compression: "none"})
	ctx := ctxFor(b)
	const blockElems = 1 << 17 // 1 MiB of float64
	const blocks = 8
	if _, err := s.PutDataspaces(ctx, map[string]etp.Dataspace{"0": {URI: etp.DataspaceURI("b"), Path: "b"}}); err != nil {
		b.Fatal(err)
	}
	uid := etp.DataArrayIdentifier{URI: etp.ObjectURI("b", "eml20.obj_EpcExternalPartReference", etp.NewUUID()), PathInResource: "/a"}
	if _, err := s.PutUninitializedDataArrays(ctx, map[string]etp.PutUninitializedDataArrayType{"0": {UID: uid,
		Metadata: etp.DataArrayMetadata{Dimensions: []int64{blocks * blockElems}, TransportArrayType: etp.AnyArrayDouble,
			LogicalArrayType: etp.LogicalArrayDouble64LE}}}); err != nil {
		b.Fatal(err)
	}
	data := make([]float64, blockElems)
	for i := range data {
		data[i] = float64(i) * 0.25
	}
	b.SetBytes(2 * blocks * blockElems * 8)
	b.ResetTimer()
	for b.Loop() {
		var wg sync.WaitGroup
		sem := make(chan struct{}, 4)
		var firstErr error
		var mu sync.Mutex
		for i := range blocks {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				_, err := s.PutDataSubarrays(ctx, map[string]etp.PutDataSubarraysType{"0": {UID: uid,
					Data: etp.DoubleArray(data), Starts: []int64{int64(i) * blockElems}, Counts: []int64{blockElems}}})
				if err == nil {
					_, err = s.GetDataSubarrays(ctx, map[string]etp.GetDataSubarraysType{"0": {UID: uid,
						Starts: []int64{int64(i) * blockElems}, Counts: []int64{blockElems}}})
				}
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if firstErr != nil {
			b.Fatal(firstErr)
		}
	}
}
