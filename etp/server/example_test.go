package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"

	"github.com/etp-transfer/etp-transfer/etp"
	"github.com/etp-transfer/etp-transfer/etp/server"
)

// Example runs an in-memory store behind an HTTP test server, connects to it
// with the project's client and creates a dataspace.
func Example() {
	srv, err := server.New(&server.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Shutdown(context.Background())

	ctx := context.Background()
	url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/"
	s, err := etp.Dial(ctx, url, nil)
	if err != nil {
		panic(err)
	}
	defer s.Close(ctx)
	if _, err := s.PutDataspaces(ctx, map[string]etp.Dataspace{"0": {URI: "eml:///dataspace('demo')"}}); err != nil {
		panic(err)
	}
	list, err := s.GetDataspaces(ctx)
	if err != nil {
		panic(err)
	}
	for _, d := range list {
		fmt.Println(d.URI)
	}
	// Output:
	// eml:///
	// eml:///dataspace('demo')
}
