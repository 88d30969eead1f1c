package etp_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net/http/httptest"
	"strings"

	"github.com/etp-transfer/etp-transfer/etp"
	"github.com/etp-transfer/etp-transfer/etp/server"
)

// exampleStore starts an embedded store and returns its URL and a function
// that stops it. In real use the URL is the store's endpoint, such as
// wss://host/api/etp.
func exampleStore(token string) (string, func()) {
	srv, err := server.New(&server.Options{Token: token, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		log.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	return "ws" + strings.TrimPrefix(hs.URL, "http") + "/api/etp", func() {
		_ = srv.Shutdown(context.Background())
		hs.Close()
	}
}

func ExampleDial() {
	url, stop := exampleStore("my-token")
	defer stop()

	ctx := context.Background()
	s, err := etp.Dial(ctx, url, &etp.SessionOptions{Token: "my-token", DataPartitionID: "opendes"})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(ctx)
	info := s.Info()
	fmt.Println("compression:", info.Compression, "DataArray:", info.Negotiated(etp.ProtocolDataArray))

	if _, err := s.PutDataspaces(ctx, map[string]etp.Dataspace{
		"0": {URI: etp.DataspaceURI("demo"), Path: "demo"},
	}); err != nil {
		log.Fatal(err)
	}
	uid := etp.DataArrayIdentifier{
		URI:            etp.ObjectURI("demo", "eml20.obj_EpcExternalPartReference", etp.NewUUID()),
		PathInResource: "/RESQML/surface/zvalues",
	}
	if _, err := s.PutDataArrays(ctx, map[string]etp.PutDataArraysType{"z": {UID: uid,
		Array: etp.DataArray{Dimensions: []int64{2, 3}, Data: etp.DoubleArray([]float64{1, 2, 3, 4, 5, 6})}}}); err != nil {
		log.Fatal(err)
	}
	res, err := s.GetDataSubarrays(ctx, map[string]etp.GetDataSubarraysType{
		"row1": {UID: uid, Starts: []int64{1, 0}, Counts: []int64{1, 3}},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("row 1:", res.Success["row1"].Data.Doubles)
	// Output:
	// compression: gzip DataArray: true
	// row 1: [4 5 6]
}

// Map requests report each key on its own: the successes in Success, the
// failures in Errors, and the error returned says how many keys failed.
func ExampleMapResult() {
	url, stop := exampleStore("")
	defer stop()
	ctx := context.Background()
	s, err := etp.Dial(ctx, url, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(ctx)

	res, err := s.GetDataspaces(ctx)
	fmt.Println(len(res), err)
	uri := etp.ObjectURI("", "eml20.obj_EpcExternalPartReference", etp.NewUUID())
	md, err := s.GetDataArrayMetadata(ctx, map[string]etp.DataArrayIdentifier{
		"missing": {URI: uri, PathInResource: "/nothing"},
	})
	fmt.Println(len(md.Success), md.Errors["missing"].Code, etp.CodeOf(err) == etp.ENotFound)
	// Output:
	// 1 <nil>
	// 0 ENOT_FOUND true
}
