package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/go-cmp/cmp"

	"github.com/etp-transfer/etp-transfer/etp"
)

func httpGet(t *testing.T, url string, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func TestHTTPEndpoints(t *testing.T) {
	t.Parallel()
	_, wsURL := startServer(t, &Options{Token: "s3cr3t-T0KEN", MaxMessageSize: 2 << 20})
	base := "http" + strings.TrimPrefix(wsURL, "ws")
	auth := http.Header{"Authorization": {"Bearer s3cr3t-T0KEN"}}
	upgrade := func(extra http.Header) http.Header {
		h := http.Header{"Connection": {"Upgrade"}, "Upgrade": {"websocket"}, "Sec-Websocket-Version": {"13"},
			"Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}, "Authorization": {"Bearer s3cr3t-T0KEN"}}
		for k, v := range extra {
			h[k] = v
		}
		return h
	}
	tests := []struct {
		name   string
		path   string
		header http.Header
		status int
		body   string // substring of the body
	}{
		{"health needs no token", "healthz", nil, 200, "ok"},
		{"capabilities need the token", ".well-known/etp-server-capabilities", nil, 401, "bearer token"},
		{"wrong token", ".well-known/etp-server-capabilities", http.Header{"Authorization": {"Bearer nope"}}, 401, "bearer token"},
		{"capabilities", ".well-known/etp-server-capabilities?GetVersion=etp12.energistics.org", auth, 200, `"applicationName"`},
		{"versions", ".well-known/etp-server-capabilities?GetVersions=true", auth, 200, `["etp12.energistics.org"]`},
		{"unknown version", ".well-known/etp-server-capabilities?GetVersion=energistics-tp", auth, 404, "etp12"},
		{"bad format", ".well-known/etp-server-capabilities?$format=xml", auth, 400, "$format"},
		{"plain GET", "", auth, 400, "subprotocol etp12.energistics.org"},
		{"upgrade without subprotocol", "", upgrade(nil), 400, "subprotocol"},
		{"upgrade with ETP 1.1 subprotocol", "", upgrade(http.Header{"Sec-Websocket-Protocol": {"energistics-tp"}}), 400, "subprotocol"},
		{"unknown encoding", "", upgrade(http.Header{"Sec-Websocket-Protocol": {"etp12.energistics.org"}, "Etp-Encoding": {"json"}}), 412, "binary"},
		{"upgrade without token", "", http.Header{"Sec-Websocket-Protocol": {"etp12.energistics.org"}}, 401, "bearer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp, body := httpGet(t, base+tc.path, tc.header)
			if resp.StatusCode != tc.status || !strings.Contains(body, tc.body) {
				t.Fatalf("status %d body %q; want %d containing %q", resp.StatusCode, body, tc.status, tc.body)
			}
			if strings.Contains(body, "s3cr3t") && tc.status != 200 {
				t.Fatalf("the token leaked into the body %q", body)
			}
		})
	}
	t.Run("binary capabilities match JSON", func(t *testing.T) {
		t.Parallel()
		resp, bin := httpGet(t, base+".well-known/etp-server-capabilities?$format=binary", auth)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") == "application/json" {
			t.Fatalf("status %d type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		var caps etp.ServerCapabilities
		if n, err := etp.DecodeRecord([]byte(bin), &caps); err != nil || n != len(bin) {
			t.Fatalf("decode: %v (%d of %d bytes)", err, n, len(bin))
		}
		if v, _ := etp.CapabilityInt64(caps.EndpointCapabilities, "MaxWebSocketMessagePayloadSize"); v != 2<<20 {
			t.Errorf("MaxWebSocketMessagePayloadSize %d", v)
		}
		_, js := httpGet(t, base+".well-known/etp-server-capabilities", auth)
		var doc map[string]any
		if err := json.Unmarshal([]byte(js), &doc); err != nil {
			t.Fatalf("JSON: %v", err)
		}
		ec := doc["endpointCapabilities"].(map[string]any)
		got := ec["MaxWebSocketMessagePayloadSize"]
		want := map[string]any{"item": map[string]any{"long": float64(2 << 20)}}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("JSON capability (-want +got):\n%s", d)
		}
		protos := doc["supportedProtocols"].([]any)
		if len(protos) != len(caps.SupportedProtocols) {
			t.Errorf("%d protocols in JSON, %d in binary", len(protos), len(caps.SupportedProtocols))
		}
		first := protos[0].(map[string]any)
		if first["role"] != "store" || first["protocolVersion"].(map[string]any)["minor"] != float64(2) {
			t.Errorf("protocol entry %v", first)
		}
	})
	t.Run("websocket with token", func(t *testing.T) {
		t.Parallel()
		c := dialRaw(t, wsURL, auth)
		if _, ok := c.request(clientRequestSession(0))[0].body.(*etp.OpenSession); !ok {
			t.Fatal("no OpenSession")
		}
	})
}

func TestMaxSessions(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, &Options{MaxSessions: 1})
	c, _ := openRaw(t, url, 0)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{Subprotocol}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("second session: err %v resp %v", err, resp)
	}
	c.send(&etp.CloseSession{})
	_ = c.waitClosed()
}

func TestServeAndListen(t *testing.T) {
	t.Parallel()
	srv, err := New(&Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	var lc net.ListenConfig
	l, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l) }()
	url := "ws://" + l.Addr().String() + "/etp"
	c, _ := openRaw(t, url, 0)
	cancel()
	m := c.next()
	if _, ok := m.body.(*etp.CloseSession); !ok {
		t.Fatalf("want CloseSession on cancel, got %s", describe([]inMsg{m}))
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(testTimeout):
		t.Fatal("Serve did not return")
	}
	resp, err := http.Get("http://" + l.Addr().String() + "/healthz")
	if err == nil {
		resp.Body.Close()
		t.Fatal("listener still open")
	}
}

func TestCapabilitiesJSONAllBranches(t *testing.T) {
	t.Parallel()
	tr := true
	i := int32(3)
	l := int64(4)
	caps := etp.ServerCapabilities{ApplicationName: `a"b`, EndpointCapabilities: map[string]etp.DataValue{
		"null": nil, "b": etp.Bool(true), "i": etp.Int(-1), "l": etp.Long(1 << 40), "f": etp.Float(1.5),
		"d": etp.Double(-2.25), "s": etp.String("x\ny"), "ab": etp.ArrayOfBoolean{Values: []bool{true, false}},
		"anb": etp.ArrayOfNullableBoolean{Values: []*bool{nil, &tr}}, "ai": etp.ArrayOfInt{Values: []int32{1}},
		"ani": etp.ArrayOfNullableInt{Values: []*int32{&i, nil}}, "al": etp.Longs(5), "anl": etp.ArrayOfNullableLong{Values: []*int64{&l}},
		"af": etp.ArrayOfFloat{Values: []float32{0.5}}, "ad": etp.Doubles(1e300), "as": etp.Strings("p", "q"),
		"aby": etp.ArrayOfBytes{Values: [][]byte{{0, 255}}}, "by": etp.Bytes{1, 200},
		"sp": etp.AnySparseArray{Slices: []etp.AnySubarray{{Start: 2, Slice: etp.DoubleArray([]float64{1})}}},
	}}
	js, err := capabilitiesJSON(&caps)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatalf("invalid JSON %s: %v", js, err)
	}
	ec := doc["endpointCapabilities"].(map[string]any)
	tests := map[string]any{
		"null": map[string]any{"item": nil},
		"l":    map[string]any{"item": map[string]any{"long": float64(1 << 40)}},
		"anb": map[string]any{"item": map[string]any{"Energistics.Etp.v12.Datatypes.ArrayOfNullableBoolean": map[string]any{
			"values": []any{nil, map[string]any{"boolean": true}}}}},
		"by": map[string]any{"item": map[string]any{"bytes": "\u0001\u00c8"}},
		"sp": map[string]any{"item": map[string]any{"Energistics.Etp.v12.Datatypes.AnySparseArray": map[string]any{
			"slices": []any{map[string]any{"start": float64(2), "slice": map[string]any{"item": map[string]any{
				"Energistics.Etp.v12.Datatypes.ArrayOfDouble": map[string]any{"values": []any{float64(1)}}}}}}}}},
	}
	for k, want := range tests {
		if d := cmp.Diff(want, ec[k]); d != "" {
			t.Errorf("%s (-want +got):\n%s", k, d)
		}
	}
	if len(ec) != len(caps.EndpointCapabilities) {
		t.Errorf("%d capabilities in JSON, want %d", len(ec), len(caps.EndpointCapabilities))
	}
	bad := etp.ServerCapabilities{EndpointCapabilities: map[string]etp.DataValue{"nan": etp.Double(nan())}}
	if _, err := capabilitiesJSON(&bad); err == nil {
		t.Error("NaN encoded without error")
	}
}

// TestFrames checks that messages larger than the frame limit are sent in
// several WebSocket frames and arrive whole.
func TestFrames(t *testing.T) {
	t.Parallel()
	srv, url := startServer(t, &Options{MaxFrameSize: 300})
	if srv.Store() == nil {
		t.Fatal("no store")
	}
	c, os := openRaw(t, url, 0)
	if v, _ := etp.CapabilityInt64(os.EndpointCapabilities, "MaxWebSocketFramePayloadSize"); v != 300 {
		t.Fatalf("MaxWebSocketFramePayloadSize %d", v)
	}
	id := uid(etp.ObjectURI("", "eml20.obj_EpcExternalPartReference", etp.NewUUID()), "/f")
	vals := make([]float64, 1000)
	for i := range vals {
		vals[i] = float64(i) / 3
	}
	merge(t, c.request(&etp.PutDataArrays{DataArrays: map[string]etp.PutDataArraysType{"0": {UID: id,
		Array: etp.DataArray{Dimensions: []int64{1000}, Data: etp.DoubleArray(vals)}}}}), 0).noErrors(t)
	a := merge(t, c.request(&etp.GetDataArrays{DataArrays: map[string]etp.DataArrayIdentifier{"0": id}}), 0)
	a.noErrors(t)
	if got := a.parts[0].(*etp.GetDataArraysResponse).DataArrays["0"].Data; !anyArrayEqual(got, etp.DoubleArray(vals)) {
		t.Fatal("values differ")
	}
}

func TestListenAndServe(t *testing.T) {
	t.Parallel()
	srv, err := New(&Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ListenAndServe(ctx, "127.0.0.1:0") }()
	time.Sleep(20 * time.Millisecond) // usually listening by now; either way it must return
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	srv2, err := New(&Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Close()
	if err := srv2.ListenAndServe(context.Background(), "256.0.0.1:1"); err == nil {
		t.Fatal("listening on an invalid address succeeded")
	}
}
