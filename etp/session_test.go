package etp

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestDialNegotiatesLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                 string
		client, server       int64 // MaxMessageSize; server -1 = not sent
		serverFrame          int64
		wantLimit, wantFrame int64
	}{
		{name: "server smaller", client: 16 << 20, server: 1 << 20, wantLimit: 1 << 20, wantFrame: 1 << 20},
		{name: "client smaller", client: 64 << 10, server: 16 << 20, wantLimit: 64 << 10, wantFrame: 64 << 10},
		{name: "server silent", client: 2 << 20, server: -1, wantLimit: 2 << 20, wantFrame: 2 << 20},
		{name: "default client", client: 0, server: 100 << 20, wantLimit: DefaultMaxMessageSize,
			wantFrame: DefaultMaxMessageSize},
		{name: "server frame", client: 1 << 20, server: 1 << 20, serverFrame: 4096, wantLimit: 1 << 20, wantFrame: 4096},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newTestPeer(t, peerOptions{maxMessage: tt.server, maxFrame: tt.serverFrame,
				protocolCaps: map[Protocol]map[string]DataValue{
					ProtocolDataArray: {"MaxDataArraySize": Long(1 << 30)},
					ProtocolDataspace: {"MaxResponseCount": Int(500)},
				},
				endpointCaps: map[string]DataValue{"MaxConcurrentMultipart": Long(7), "Custom": String("x")},
				compression:  "gzip",
			})
			s := dialPeer(t, p, &SessionOptions{MaxMessageSize: tt.client})
			info := s.Info()
			if info.MaxMessageSize != tt.wantLimit || info.MaxFrameSize != tt.wantFrame {
				t.Errorf("limits = %d/%d, want %d/%d", info.MaxMessageSize, info.MaxFrameSize, tt.wantLimit, tt.wantFrame)
			}
			if info.ServerApplicationName != "test-peer" || info.ServerApplicationVersion != "9.9" || info.SessionID.IsZero() {
				t.Errorf("server identity not kept: %+v", info)
			}
			if info.Compression != "gzip" {
				t.Errorf("Compression = %q, want gzip", info.Compression)
			}
			if v, ok := info.ProtocolCapabilityInt64(ProtocolDataArray, "MaxDataArraySize"); !ok || v != 1<<30 {
				t.Errorf("MaxDataArraySize = %d, %v", v, ok)
			}
			if v, ok := info.ProtocolCapabilityInt64(ProtocolDataspace, "MaxResponseCount"); !ok || v != 500 {
				t.Errorf("MaxResponseCount (sent as int) = %d, %v", v, ok)
			}
			if v, ok := info.EndpointCapabilityInt64("MaxConcurrentMultipart"); !ok || v != 7 {
				t.Errorf("MaxConcurrentMultipart = %d, %v", v, ok)
			}
			if info.EndpointCapabilities["Custom"] != String("x") {
				t.Errorf("unknown endpoint capability not kept: %v", info.EndpointCapabilities)
			}
			for _, pr := range requestedProtocols {
				if !info.Negotiated(pr) {
					t.Errorf("%s not negotiated", pr)
				}
			}

			rs := p.requestSession()
			want := tt.client
			if want == 0 {
				want = DefaultMaxMessageSize
			}
			if v, _ := CapabilityInt64(rs.EndpointCapabilities, capMaxMessage); v != want {
				t.Errorf("advertised MaxWebSocketMessagePayloadSize = %d, want %d", v, want)
			}
		})
	}
}

func TestDialRequestSessionContent(t *testing.T) {
	t.Parallel()
	p := newTestPeer(t, peerOptions{})
	dialPeer(t, p, &SessionOptions{ApplicationName: "app", ApplicationVersion: "1.2.3"})
	rs := p.requestSession()
	if rs.ApplicationName != "app" || rs.ApplicationVersion != "1.2.3" || rs.ClientInstanceID.IsZero() {
		t.Errorf("identity: %q %q %v", rs.ApplicationName, rs.ApplicationVersion, rs.ClientInstanceID)
	}
	var got []int32
	for _, sp := range rs.RequestedProtocols {
		got = append(got, sp.Protocol)
		if sp.Role != "store" || sp.ProtocolVersion != (Version{1, 2, 0, 0}) {
			t.Errorf("protocol %d: role %q version %+v", sp.Protocol, sp.Role, sp.ProtocolVersion)
		}
	}
	if !slices.Equal(got, []int32{3, 4, 9, 18, 24}) {
		t.Errorf("requested protocols %v", got)
	}
	var types []string
	for _, d := range rs.SupportedDataObjects {
		types = append(types, d.QualifiedType)
	}
	if !slices.Equal(types, DefaultDataObjectTypes) {
		t.Errorf("data object types %v", types)
	}
	if !slices.Equal(rs.SupportedCompression, []string{"gzip"}) || !slices.Equal(rs.SupportedFormats, []string{"xml"}) {
		t.Errorf("compression %v formats %v", rs.SupportedCompression, rs.SupportedFormats)
	}
	p.mu.Lock()
	h := p.rsHeader[0]
	p.mu.Unlock()
	if h.MessageID != 2 || h.CorrelationID != 0 || h.MessageFlags != FlagFinalPart {
		t.Errorf("RequestSession header %v", h)
	}
}

func TestDialCompressionNone(t *testing.T) {
	t.Parallel()
	p := newTestPeer(t, peerOptions{compression: "gzip"})
	s := dialPeer(t, p, &SessionOptions{Compression: "none"})
	if rs := p.requestSession(); len(rs.SupportedCompression) != 0 {
		t.Errorf("offered %v with Compression none", rs.SupportedCompression)
	}
	if s.Info().Compression != "" {
		t.Errorf("Compression = %q", s.Info().Compression)
	}
}

func TestDialHeaders(t *testing.T) {
	t.Parallel()
	p := newTestPeer(t, peerOptions{})
	hdr := make(map[string][]string)
	hdr["X-Extra"] = []string{"yes"}
	hdr["Authorization"] = []string{"Basic overridden"}
	dialPeer(t, p, &SessionOptions{Token: "tok-123", DataPartitionID: "opendes", HTTPHeader: hdr})
	h := p.upgradeHeaders()[0]
	for name, want := range map[string]string{
		"Authorization":          "Bearer tok-123",
		"Data-Partition-Id":      "opendes",
		"Etp-Encoding":           "binary",
		"X-Extra":                "yes",
		"Sec-Websocket-Protocol": Subprotocol,
	} {
		if got := h.Get(name); got != want {
			t.Errorf("header %s = %q, want %q", name, got, want)
		}
	}
}

func TestDialFailures(t *testing.T) {
	t.Parallel()
	const token = "secret-token-value"
	tests := []struct {
		name     string
		peer     peerOptions
		want     []string
		wantCode ErrorCode
	}{
		{name: "no subprotocol", peer: peerOptions{noSubprotocol: true}, want: []string{"subprotocol", Subprotocol},
			wantCode: -1},
		{name: "http 401 echoing the token", peer: peerOptions{httpStatus: 401, httpBody: "bad token " + token},
			want: []string{"401", "[REDACTED]"}, wantCode: -1},
		{name: "protocol exception", peer: peerOptions{open: func(c *peerConn, rs *RequestSession, h MessageHeader) {
			c.send(h.MessageID, FlagFinalPart, &ProtocolException{Error: &ErrorInfo{Code: ENoSupportedProtocols,
				Message: "nothing in common"}})
		}}, want: []string{"refused", "ENOSUPPORTEDPROTOCOLS (2)", "nothing in common"}, wantCode: ENoSupportedProtocols},
		{name: "closed instead of OpenSession", peer: peerOptions{open: func(c *peerConn, rs *RequestSession, h MessageHeader) {
			_ = c.ws.Close(4000, "go away")
		}}, want: []string{"closed the connection", "go away"}, wantCode: -1},
		{name: "CloseSession instead of OpenSession", peer: peerOptions{open: func(c *peerConn, rs *RequestSession, h MessageHeader) {
			c.send(0, FlagFinalPart, &CloseSession{Reason: "maintenance"})
		}}, want: []string{"CloseSession", "maintenance"}, wantCode: -1},
		{name: "garbage instead of OpenSession", peer: peerOptions{open: func(c *peerConn, rs *RequestSession, h MessageHeader) {
			c.sendRaw([]byte{0xff, 0xff, 0xff})
		}}, want: []string{"malformed"}, wantCode: -1},
		{name: "tiny server limit", peer: peerOptions{maxMessage: 100}, want: []string{"below the usable minimum"},
			wantCode: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newTestPeer(t, tt.peer)
			var logs logBuffer
			s, err := Dial(testCtx(t), p.url+"?Authorization="+token, &SessionOptions{Token: token, Logger: logs.logger()})
			if err == nil {
				_ = s.Close(testCtx(t))
				t.Fatal("Dial succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), token) || strings.Contains(logs.String(), token) {
				t.Errorf("token leaked: error %q logs %q", err, logs.String())
			}
			if got := CodeOf(err); got != tt.wantCode {
				t.Errorf("CodeOf = %d, want %d", got, tt.wantCode)
			}
		})
	}
}

func TestDialErrorHidesURLQuery(t *testing.T) {
	t.Parallel()
	p := newTestPeer(t, peerOptions{})
	url := p.url
	p.srv.Close() // nothing listens any more
	_, err := Dial(testCtx(t), url+"?Authorization=Bearer%20query-secret", nil)
	if err == nil || strings.Contains(err.Error(), "query-secret") || !strings.Contains(err.Error(), "query and credentials not shown") {
		t.Fatalf("err = %v", err)
	}
}

func TestDialInvalidOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		url  string
		opts *SessionOptions
		want string
	}{
		{"compression", "ws://127.0.0.1:1/", &SessionOptions{Compression: "zstd"}, "Compression"},
		{"message size", "ws://127.0.0.1:1/", &SessionOptions{MaxMessageSize: 10}, "MaxMessageSize"},
		{"scheme", "http://127.0.0.1:1/", nil, "ws:// or wss://"},
		{"missing CA file", "wss://127.0.0.1:1/", &SessionOptions{CAFile: "does-not-exist.pem"}, "CA file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Dial(testCtx(t), tt.url, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

// echoDataspaces answers GetDataspaces with one dataspace named after the
// request's message id.
func echoDataspaces(c *peerConn, m peerMsg) {
	if _, ok := m.body.(*GetDataspaces); ok {
		c.reply(m, &GetDataspacesResponse{Dataspaces: []Dataspace{{URI: DataspaceURI(fmt.Sprint(m.h.MessageID))}}})
		return
	}
	c.fail(m, ENotSupported, "unexpected")
}

func TestMessageIDsEvenAndIncreasing(t *testing.T) {
	t.Parallel()
	p := newTestPeer(t, peerOptions{handler: echoDataspaces})
	s := dialPeer(t, p, nil)
	ctx := testCtx(t)
	var wg sync.WaitGroup
	const n = 40
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ds, err := s.GetDataspaces(ctx)
			if err == nil && len(ds) != 1 {
				err = fmt.Errorf("got %d dataspaces", len(ds))
			}
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
	if _, err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	last := int64(2) // RequestSession
	for _, m := range p.snapshot() {
		id := m.h.MessageID
		if id%2 != 0 || id <= last {
			t.Fatalf("message id %d after %d: ids must be even and increase in wire order", id, last)
		}
		if m.h.CorrelationID != 0 {
			t.Errorf("request %v has a correlation id", m.h)
		}
		last = id
	}
}

func TestMultipartResponseWithExceptions(t *testing.T) {
	t.Parallel()
	arr := func(v ...float64) DataArray {
		return DataArray{Dimensions: []int64{int64(len(v))}, Data: DoubleArray(v)}
	}
	p := newTestPeer(t, peerOptions{handler: func(c *peerConn, m peerMsg) {
		c.part(m, &GetDataArraysResponse{DataArrays: map[string]DataArray{"a": arr(1, 2)}})
		c.part(m, &ProtocolException{Errors: map[string]ErrorInfo{"b": {Code: ENotFound, Message: "no such array"}}})
		c.part(m, &GetDataArraysResponse{DataArrays: map[string]DataArray{"c": arr(3), "x": arr(9)}})
		c.part(m, &GetDataArraysResponse{}) // empty part (open-etp-server does this)
		c.reply(m, &ProtocolException{Errors: map[string]ErrorInfo{
			"d": {Code: ERequestDenied, Message: "read-only"},
			"c": {Code: EInvalidArgument, Message: "also failed"},
		}})
	}})
	var logs logBuffer
	s := dialPeer(t, p, &SessionOptions{Logger: logs.logger()})
	uid := DataArrayIdentifier{URI: "eml:///", PathInResource: "/p"}
	res, err := s.GetDataArrays(testCtx(t), map[string]DataArrayIdentifier{"a": uid, "b": uid, "c": uid, "d": uid, "e": uid})
	if res == nil {
		t.Fatalf("no result: %v", err)
	}
	var ke KeyErrors
	if !errors.As(err, &ke) || len(ke) != 4 {
		t.Fatalf("err = %v, want KeyErrors of 4 keys", err)
	}
	if CodeOf(err) != ENotFound { // first key in order: "b"
		t.Errorf("CodeOf = %v", CodeOf(err))
	}
	if got := res.Success["a"].Data.Doubles; !slices.Equal(got, []float64{1, 2}) {
		t.Errorf("a = %v", got)
	}
	if len(res.Success) != 1 {
		t.Errorf("successes %v: c failed too and x was not requested", res.Success)
	}
	wantErr := map[string]ErrorCode{"b": ENotFound, "c": EInvalidArgument, "d": ERequestDenied, "e": 0}
	for k, code := range wantErr {
		if e := res.Errors[k]; e == nil || e.Code != code {
			t.Errorf("Errors[%q] = %v, want code %d", k, e, code)
		}
	}
	if res.Errors["e"].Message != noResultMessage {
		t.Errorf("missing key message %q", res.Errors["e"].Message)
	}
	if want := `etp: ENOT_FOUND (11): no such array`; res.Errors["b"].Error() != want {
		t.Errorf("Error() = %q, want %q", res.Errors["b"].Error(), want)
	}
	if !strings.Contains(logs.String(), "not requested") {
		t.Errorf("unrequested key not logged")
	}
}

func TestWholeRequestProtocolError(t *testing.T) {
	t.Parallel()
	p := newTestPeer(t, peerOptions{handler: func(c *peerConn, m peerMsg) {
		c.fail(m, EInvalidURI, "bad uri")
	}})
	s := dialPeer(t, p, nil)
	_, err := s.GetDataArrayMetadata(testCtx(t), map[string]DataArrayIdentifier{"0": {URI: "x"}})
	var pe *ProtocolError
	if !errors.As(err, &pe) || pe.Code != EInvalidURI || pe.Message != "bad uri" {
		t.Fatalf("err = %v, want *ProtocolError EINVALID_URI", err)
	}
	if !strings.Contains(err.Error(), "EINVALID_URI (9): bad uri") {
		t.Errorf("error text %q", err)
	}
	// The low-level path returns the parts too.
	resp, err := s.Request(testCtx(t), &GetDataspaces{})
	if resp == nil || len(resp.Parts) != 1 || CodeOf(err) != EInvalidURI {
		t.Errorf("Request = %v, %v", resp, err)
	}
}

func TestAcknowledgeDoesNotEndRequest(t *testing.T) {
	t.Parallel()
	p := newTestPeer(t, peerOptions{handler: func(c *peerConn, m peerMsg) {
		if _, ok := m.body.(*Acknowledge); ok {
			return
		}
		c.reply(m, &Acknowledge{}) // carries FIN, but is only a receipt
		c.sendProto(m.h.Protocol, m.h.MessageID, FlagFinalPart|FlagAcknowledgementRequested,
			&GetDataspacesResponse{Dataspaces: []Dataspace{{URI: "eml:///dataspace('a')"}}})
	}})
	s := dialPeer(t, p, nil)
	ds, err := s.GetDataspaces(testCtx(t))
	if err != nil || len(ds) != 1 {
		t.Fatalf("GetDataspaces = %v, %v", ds, err)
	}
	// The response asked for an acknowledgement: the client sends one,
	// correlated to the response's id.
	got := p.waitReceived(t, testCtx(t), 2)
	ack, ok := got[1].body.(*Acknowledge)
	if !ok || got[1].h.CorrelationID == 0 || got[1].h.Protocol != int32(ProtocolDataspace) {
		t.Fatalf("second message %v %T, want Acknowledge correlated in protocol 24", got[1].h, got[1].body)
	}
	_ = ack
}

func TestPingPong(t *testing.T) {
	t.Parallel()
	t.Run("client ping, correlated pong", func(t *testing.T) {
		t.Parallel()
		p := newTestPeer(t, peerOptions{})
		s := dialPeer(t, p, nil)
		rtt, err := s.Ping(testCtx(t))
		if err != nil || rtt <= 0 {
			t.Fatalf("Ping = %v, %v", rtt, err)
		}
	})
	t.Run("client ping, uncorrelated pong", func(t *testing.T) {
		t.Parallel()
		p := newTestPeer(t, peerOptions{noAutoPong: true, handler: func(c *peerConn, m peerMsg) {
			if _, ok := m.body.(*Ping); ok {
				c.send(0, FlagFinalPart, &Pong{CurrentDateTime: 1})
			}
		}})
		s := dialPeer(t, p, nil)
		if _, err := s.Ping(testCtx(t)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("server ping", func(t *testing.T) {
		t.Parallel()
		pongs := make(chan peerMsg, 1)
		p := newTestPeer(t, peerOptions{handler: func(c *peerConn, m peerMsg) {
			switch m.body.(type) {
			case *GetDataspaces:
				c.send(0, FlagFinalPart, &Ping{CurrentDateTime: 42})
			case *Pong:
				pongs <- m
			}
		}})
		s := dialPeer(t, p, nil)
		ctx, cancel := context.WithCancel(testCtx(t))
		go func() { _, _ = s.GetDataspaces(ctx) }()
		select {
		case m := <-pongs:
			if m.h.CorrelationID != 1+2 { // the peer's OpenSession was id 1, its Ping id 3
				t.Errorf("Pong correlation %d, want the Ping's id 3", m.h.CorrelationID)
			}
		case <-testCtx(t).Done():
			t.Fatal("no Pong")
		}
		cancel()
	})
}

func TestRequestTimeoutAndDeadline(t *testing.T) {
	t.Parallel()
	p := newTestPeer(t, peerOptions{handler: func(c *peerConn, m peerMsg) {
		if ds, ok := m.body.(*GetDataspaces); ok && ds.StoreLastWriteFilter != nil {
			c.reply(m, &GetDataspacesResponse{})
		}
		// Otherwise never answer.
	}})
	s := dialPeer(t, p, &SessionOptions{RequestTimeout: 50 * time.Millisecond})

	_, err := s.GetDataspaces(testCtx(t))
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no response within") {
		t.Errorf("RequestTimeout: err = %v", err)
	}

	s2 := dialPeer(t, p, &SessionOptions{RequestTimeout: -1})
	ctx, cancel := context.WithTimeout(testCtx(t), 50*time.Millisecond)
	defer cancel()
	_, err = s2.GetDataspaces(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrSessionClosed) {
		t.Errorf("ctx deadline: err = %v", err)
	}
	cctx, ccancel := context.WithCancel(testCtx(t))
	ccancel()
	if _, err := s2.GetDataspaces(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ctx: err = %v", err)
	}
	// The sessions are still usable.
	for _, sess := range []*Session{s, s2} {
		if _, err := sess.GetDataspacesSince(testCtx(t), 1); err != nil {
			t.Errorf("after a timeout: %v", err)
		}
	}
}

func TestSessionEndFailsPendingRequests(t *testing.T) {
	t.Parallel()
	const pending = 6
	tests := []struct {
		name string
		end  func(c *peerConn)
		want string
	}{
		{"dropped connection", func(c *peerConn) { _ = c.ws.CloseNow() }, "connection"},
		{"CloseSession", func(c *peerConn) { c.send(0, FlagFinalPart, &CloseSession{Reason: "shutting down"}) },
			"CloseSession: shutting down"},
		{"garbage", func(c *peerConn) { c.sendRaw([]byte{0x00, 0x02, 0x00, 0x01, 0x02, 0xff, 0xff}) }, "malformed"},
		{"text message", func(c *peerConn) { _ = c.ws.Write(c.ctx, 1, []byte("hello")) }, "malformed"},
		{"oversize", func(c *peerConn) { c.sendRaw(make([]byte, 8192)) }, "larger than the session limit"},
		{"compressed core", func(c *peerConn) {
			// AppendMessage never compresses Core, so build the message by hand.
			h := MessageHeader{Protocol: 0, MessageType: 8, MessageID: c.nextID(), MessageFlags: FlagFinalPart | FlagCompressed}
			b, _ := AppendRecord(nil, &h)
			var z bytes.Buffer
			zw := gzip.NewWriter(&z)
			_, _ = zw.Write([]byte{0x02})
			_ = zw.Close()
			c.sendRaw(append(b, z.Bytes()...))
		}, "ECOMPRESSION_NOTSUPPORTED"},
		{"websocket close", func(c *peerConn) { _ = c.ws.Close(4001, "bye") }, "without CloseSession"},
		{"gzip bomb", func(c *peerConn) {
			h := MessageHeader{Protocol: int32(ProtocolDataspace), MessageType: 2, CorrelationID: 0,
				MessageID: c.nextID(), MessageFlags: FlagFinalPart | FlagCompressed}
			b, _ := AppendRecord(nil, &h)
			var z bytes.Buffer
			zw := gzip.NewWriter(&z)
			_, _ = zw.Write(make([]byte, 1<<20)) // 1 MiB of zeros: far beyond 4 x 4 KiB
			_ = zw.Close()
			c.sendRaw(append(b, z.Bytes()...))
		}, "EMAXSIZE_EXCEEDED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			count := 0
			p := newTestPeer(t, peerOptions{maxMessage: 4096, handler: func(c *peerConn, m peerMsg) {
				mu.Lock()
				count++
				n := count
				mu.Unlock()
				if n == pending {
					tt.end(c)
				}
			}})
			s := dialPeer(t, p, &SessionOptions{RequestTimeout: -1})
			var wg sync.WaitGroup
			errs := make([]error, pending)
			for i := range pending {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = s.GetDataspaces(testCtx(t))
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if !errors.Is(err, ErrSessionClosed) || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("request %d: err = %v, want ErrSessionClosed mentioning %q", i, err, tt.want)
				}
			}
			<-s.Done()
			if err := s.Err(); !errors.Is(err, ErrSessionClosed) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Err = %v", err)
			}
			if _, err := s.GetDataspaces(testCtx(t)); !errors.Is(err, ErrSessionClosed) {
				t.Errorf("request after the end: %v", err)
			}
			if err := s.Close(testCtx(t)); err != nil {
				t.Errorf("Close after the end: %v", err)
			}
		})
	}
}

func TestUnknownAndUnsolicitedMessages(t *testing.T) {
	t.Parallel()
	p := newTestPeer(t, peerOptions{handler: func(c *peerConn, m peerMsg) {
		switch m.body.(type) {
		case *GetDataspaces:
			// A late response to nothing, an unsolicited one, an unknown
			// message type, an exception about nothing, a message of a
			// protocol not negotiated; then the real answer.
			c.sendProto(0, 999, FlagFinalPart, &GetDataspacesResponse{})
			c.send(0, FlagFinalPart, &GetDataArraysResponse{})
			c.sendRaw([]byte{0x08, 0x7e, 0x00, byte(c.nextID() << 1), 0x04}) // Store/63
			c.send(0, FlagFinalPart, &ProtocolException{Error: &ErrorInfo{Code: EInvalidState, Message: "hm"}})
			c.reply(m, &GetDataspacesResponse{Dataspaces: []Dataspace{{URI: "eml:///"}}})
		case *ProtocolException:
		}
	}, protocols: []Protocol{ProtocolDataspace, ProtocolDataArray}})
	var logs logBuffer
	s := dialPeer(t, p, &SessionOptions{Logger: logs.logger()})
	ds, err := s.GetDataspaces(testCtx(t))
	if err != nil || len(ds) != 1 {
		t.Fatalf("GetDataspaces = %v, %v", ds, err)
	}
	if _, err := s.Ping(testCtx(t)); err != nil {
		t.Fatalf("session unusable: %v", err)
	}
	for _, w := range []string{"unsolicited", "unknown type", "not tied to a pending request"} {
		if !strings.Contains(logs.String(), w) {
			t.Errorf("log does not mention %q", w)
		}
	}
	// The unknown message was answered with EINVALID_MESSAGETYPE.
	found := false
	for _, m := range p.snapshot() {
		if pe, ok := m.body.(*ProtocolException); ok && pe.Error != nil && pe.Error.Code == EInvalidMessageType {
			found = true
		}
	}
	if !found {
		t.Error("no EINVALID_MESSAGETYPE answer to the unknown message")
	}
}

func TestUnknownMessageTypeFailsItsRequest(t *testing.T) {
	t.Parallel()
	p := newTestPeer(t, peerOptions{handler: func(c *peerConn, m peerMsg) {
		if _, ok := m.body.(*GetDataspaces); ok {
			// Dataspace/77, correlated to the request.
			c.sendRaw([]byte{0x30, 0x9a, 0x01, byte(m.h.MessageID << 1), byte(c.nextID() << 1), 0x04})
		}
	}})
	s := dialPeer(t, p, nil)
	_, err := s.GetDataspaces(testCtx(t))
	if err == nil || !strings.Contains(err.Error(), "unknown type") || errors.Is(err, ErrSessionClosed) {
		t.Fatalf("err = %v", err)
	}
	if _, err := s.Ping(testCtx(t)); err != nil {
		t.Fatalf("session unusable: %v", err)
	}
}

func TestCloseSendsCloseSession(t *testing.T) {
	t.Parallel()
	t.Run("server closes", func(t *testing.T) {
		t.Parallel()
		p := newTestPeer(t, peerOptions{})
		s := dialPeer(t, p, nil)
		if err := s.Close(testCtx(t)); err != nil {
			t.Fatalf("Close: %v", err)
		}
		got := p.waitReceived(t, testCtx(t), 1)
		if _, ok := got[0].body.(*CloseSession); !ok {
			t.Fatalf("peer got %T, want CloseSession", got[0].body)
		}
		if err := s.Close(testCtx(t)); err != nil {
			t.Errorf("second Close: %v", err)
		}
		if !errors.Is(s.Err(), ErrSessionClosed) {
			t.Errorf("Err = %v", s.Err())
		}
		if _, err := s.GetDataspaces(testCtx(t)); !errors.Is(err, ErrSessionClosed) {
			t.Errorf("request after Close: %v", err)
		}
	})
	t.Run("server ignores CloseSession", func(t *testing.T) {
		t.Parallel()
		p := newTestPeer(t, peerOptions{ignoreCloseSession: true})
		s := dialPeer(t, p, &SessionOptions{CloseTimeout: 50 * time.Millisecond})
		if err := s.Close(testCtx(t)); err != nil {
			t.Fatalf("Close: %v", err)
		}
		<-s.Done()
	})
	t.Run("pending requests fail", func(t *testing.T) {
		t.Parallel()
		started := make(chan struct{})
		p := newTestPeer(t, peerOptions{handler: func(c *peerConn, m peerMsg) {
			if _, ok := m.body.(*GetDataspaces); ok {
				close(started)
			}
		}})
		s := dialPeer(t, p, nil)
		errc := make(chan error, 1)
		go func() { _, err := s.GetDataspaces(testCtx(t)); errc <- err }()
		<-started
		if err := s.Close(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		if err := <-errc; !errors.Is(err, ErrSessionClosed) {
			t.Errorf("pending request: %v", err)
		}
	})
	t.Run("concurrent Close", func(t *testing.T) {
		t.Parallel()
		p := newTestPeer(t, peerOptions{})
		s := dialPeer(t, p, nil)
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() { defer wg.Done(); _ = s.Close(testCtx(t)) }()
		}
		wg.Wait()
		n := 0
		for _, m := range p.snapshot() {
			if _, ok := m.body.(*CloseSession); ok {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d CloseSession sent", n)
		}
	})
}

func TestRefuseNonNegotiatedProtocol(t *testing.T) {
	t.Parallel()
	p := newTestPeer(t, peerOptions{protocols: []Protocol{ProtocolStore}})
	s := dialPeer(t, p, nil)
	if s.Info().Negotiated(ProtocolDataArray) || !s.Info().Negotiated(ProtocolStore) {
		t.Fatalf("negotiated %v", s.Info().Protocols)
	}
	ctx := testCtx(t)
	checks := []struct {
		name string
		call func() error
	}{
		{"GetDataArrays", func() error {
			_, err := s.GetDataArrays(ctx, map[string]DataArrayIdentifier{"0": {}})
			return err
		}},
		{"Request", func() error { _, err := s.Request(ctx, &GetDataspaces{}); return err }},
		{"Send", func() error { return s.Send(ctx, &GetResources{}) }},
		{"StartTransaction", func() error { _, err := s.StartTransaction(ctx, false, nil, ""); return err }},
	}
	for _, c := range checks {
		if err := c.call(); !errors.Is(err, ErrProtocolNotNegotiated) {
			t.Errorf("%s: err = %v", c.name, err)
		}
	}
	if _, err := s.Ping(ctx); err != nil { // flushes: the peer got nothing before this
		t.Fatal(err)
	}
	if got := p.snapshot(); len(got) != 1 {
		t.Errorf("peer received %d messages, want only the Ping", len(got))
	}
	if err := s.Send(ctx, &OpenSession{}); err == nil {
		t.Error("Send of OpenSession accepted")
	}
}

func TestRefuseOversizeMessage(t *testing.T) {
	t.Parallel()
	for _, compression := range []string{"gzip", "none"} {
		t.Run(compression, func(t *testing.T) {
			t.Parallel()
			p := newTestPeer(t, peerOptions{maxMessage: 4096, compression: "gzip"})
			s := dialPeer(t, p, &SessionOptions{Compression: compression})
			rng := rand.New(rand.NewPCG(1, 2))
			values := make([]float64, 1000) // 8000 bytes, incompressible
			for i := range values {
				values[i] = rng.Float64()
			}
			_, err := s.PutDataArrays(testCtx(t), map[string]PutDataArraysType{"0": {
				Array: DataArray{Dimensions: []int64{1000}, Data: DoubleArray(values)},
			}})
			if !errors.Is(err, ErrMessageTooLarge) || !strings.Contains(err.Error(), "4096") {
				t.Fatalf("err = %v", err)
			}
			if _, err := s.Ping(testCtx(t)); err != nil {
				t.Fatal(err)
			}
			if got := p.snapshot(); len(got) != 1 {
				t.Errorf("peer received %d messages, want only the Ping", len(got))
			}
		})
	}
}

func TestCompression(t *testing.T) {
	t.Parallel()
	structured := make([]int64, 20000)
	for i := range structured {
		structured[i] = int64(i % 7)
	}
	p := newTestPeer(t, peerOptions{compression: "gzip", handler: func(c *peerConn, m peerMsg) {
		switch m.body.(type) {
		case *PutDataArrays:
			c.reply(m, &PutDataArraysResponse{Success: map[string]string{"0": ""}})
		case *GetDataArrays:
			c.reply(m, &GetDataArraysResponse{DataArrays: map[string]DataArray{
				"0": {Dimensions: []int64{int64(len(structured))}, Data: LongArray(structured)}}})
		}
	}})
	s := dialPeer(t, p, nil)
	ctx := testCtx(t)
	res, err := s.GetDataArrays(ctx, map[string]DataArrayIdentifier{"0": {URI: "u", PathInResource: "p"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Success["0"].Data.Longs, structured) {
		t.Fatal("compressed response decoded wrongly")
	}
	if _, err := s.PutDataArrays(ctx, map[string]PutDataArraysType{"0": {
		Array: DataArray{Dimensions: []int64{int64(len(structured))}, Data: LongArray(structured)}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	got := p.snapshot()
	for _, m := range got {
		_, isPut := m.body.(*PutDataArrays)
		compressed := m.h.HasFlag(FlagCompressed)
		if isPut && !compressed {
			t.Errorf("structured PutDataArrays (%d bytes) not compressed", m.size)
		}
		if m.h.Protocol == 0 && compressed {
			t.Errorf("Core message %v compressed", m.h)
		}
	}
}

func TestFramesAndLargeMessages(t *testing.T) {
	t.Parallel()
	values := make([]float64, 30000) // 240 KB in frames of 1 KiB
	for i := range values {
		values[i] = float64(i) * 1.5
	}
	p := newTestPeer(t, peerOptions{maxFrame: 1024, handler: func(c *peerConn, m peerMsg) {
		if put, ok := m.body.(*PutDataArrays); ok {
			if !slices.Equal(put.DataArrays["0"].Array.Data.Doubles, values) {
				c.fail(m, EInvalidArgument, "corrupted")
				return
			}
			c.reply(m, &PutDataArraysResponse{Success: map[string]string{"0": ""}})
		}
	}})
	s := dialPeer(t, p, &SessionOptions{Compression: "none"})
	if s.Info().MaxFrameSize != 1024 {
		t.Fatalf("MaxFrameSize = %d", s.Info().MaxFrameSize)
	}
	if _, err := s.PutDataArrays(testCtx(t), map[string]PutDataArraysType{"0": {
		Array: DataArray{Dimensions: []int64{int64(len(values))}, Data: DoubleArray(values)}}}); err != nil {
		t.Fatal(err)
	}
}

func TestResponseSizeBound(t *testing.T) {
	t.Parallel()
	p := newTestPeer(t, peerOptions{handler: func(c *peerConn, m peerMsg) {
		if _, ok := m.body.(*GetDataspaces); ok {
			for range 50 {
				c.part(m, &GetDataspacesResponse{Dataspaces: []Dataspace{{URI: strings.Repeat("x", 1000)}}})
			}
			c.reply(m, &GetDataspacesResponse{})
		}
	}})
	s := dialPeer(t, p, &SessionOptions{MaxResponseSize: 10000})
	_, err := s.GetDataspaces(testCtx(t))
	if !errors.Is(err, ErrMessageTooLarge) || errors.Is(err, ErrSessionClosed) {
		t.Fatalf("err = %v", err)
	}
	if _, err := s.Ping(testCtx(t)); err != nil {
		t.Fatalf("session unusable: %v", err)
	}
}

func TestTokenNeverLogged(t *testing.T) {
	t.Parallel()
	const token = "very-secret-bearer"
	p := newTestPeer(t, peerOptions{handler: echoDataspaces})
	var logs logBuffer
	s := dialPeer(t, p, &SessionOptions{Token: token, Logger: logs.logger()})
	if _, err := s.GetDataspaces(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "sent") {
		t.Fatalf("debug log missing: %q", logs.String())
	}
	if strings.Contains(logs.String(), token) {
		t.Errorf("token in logs: %s", logs.String())
	}
	if p.upgradeHeaders()[0].Get("Authorization") != "Bearer "+token {
		t.Error("token not sent")
	}
}

func TestKeyErrorsText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		errs KeyErrors
		want string
	}{
		{"one", KeyErrors{"a": {Code: ENotFound, Message: "x"}}, `etp: 1 of the request's keys failed: "a": etp: ENOT_FOUND (11): x`},
		{"many", KeyErrors{"d": {Code: 5}, "a": {Code: 11}, "c": {Code: 6}, "b": {Code: 9999, Message: "?"}},
			`etp: 4 of the request's keys failed: "a": etp: ENOT_FOUND (11); "b": etp: ErrorCode(9999) (9999): ?; ` +
				`"c": etp: EREQUEST_DENIED (6); and 1 more`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.errs.Error(); got != tt.want {
				t.Errorf("Error() =\n%q, want\n%q", got, tt.want)
			}
			if CodeOf(fmt.Errorf("wrapped: %w", tt.errs)) != ErrorCode(11) {
				t.Errorf("CodeOf = %d", CodeOf(tt.errs))
			}
		})
	}
	if CodeOf(errors.New("plain")) != -1 || CodeOf(nil) != -1 {
		t.Error("CodeOf of a non-protocol error must be -1")
	}
	var r *MapResult[string]
	if r.Err() != nil {
		t.Error("nil MapResult.Err")
	}
}

func TestConcurrentMixedRequests(t *testing.T) {
	t.Parallel()
	p := newTestPeer(t, peerOptions{handler: func(c *peerConn, m peerMsg) {
		switch b := m.body.(type) {
		case *GetDataSubarrays:
			out := map[string]DataArray{}
			for k, sub := range b.DataSubarrays {
				v := make([]float64, sub.Counts[0])
				for i := range v {
					v[i] = float64(sub.Starts[0] + int64(i))
				}
				out[k] = DataArray{Dimensions: sub.Counts, Data: DoubleArray(v)}
			}
			// Answer in two parts to exercise interleaving.
			for k, v := range out {
				c.part(m, &GetDataSubarraysResponse{DataSubarrays: map[string]DataArray{k: v}})
			}
			c.reply(m, &GetDataSubarraysResponse{})
		}
	}})
	s := dialPeer(t, p, nil)
	ctx := testCtx(t)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := int64(g * 100)
			res, err := s.GetDataSubarrays(ctx, map[string]GetDataSubarraysType{
				"x": {Starts: []int64{start}, Counts: []int64{50}},
				"y": {Starts: []int64{start + 50}, Counts: []int64{50}},
			})
			if err != nil {
				errs <- err
				return
			}
			for k, off := range map[string]int64{"x": 0, "y": 50} {
				d := res.Success[k].Data.Doubles
				if len(d) != 50 || d[0] != float64(start+off) {
					errs <- fmt.Errorf("goroutine %d key %s: got %v", g, k, d[:min(len(d), 3)])
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestReadMessageGrows(t *testing.T) {
	t.Parallel()
	want := bytes.Repeat([]byte("abc"), 100000)
	got, err := readMessage(bytes.NewReader(want), make([]byte, 0, 7))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("readMessage: %d bytes, %v", len(got), err)
	}
}

func TestGetDataSubarraysIntoReusesBuffers(t *testing.T) {
	t.Parallel()
	p := newTestPeer(t, peerOptions{handler: func(c *peerConn, m peerMsg) {
		b := m.body.(*GetDataSubarrays)
		out := map[string]DataArray{}
		for k, sub := range b.DataSubarrays {
			v := make([]float64, sub.Counts[0])
			for i := range v {
				v[i] = float64(sub.Starts[0]) + float64(i)
			}
			out[k] = DataArray{Dimensions: sub.Counts, Data: DoubleArray(v)}
		}
		c.reply(m, &GetDataSubarraysResponse{DataSubarrays: out})
	}})
	s := dialPeer(t, p, nil)
	dst := &GetDataSubarraysResponse{}
	var first *float64
	for round := range 3 {
		start := int64(round * 1000)
		res, err := s.GetDataSubarraysInto(testCtx(t), map[string]GetDataSubarraysType{
			"0": {Starts: []int64{start}, Counts: []int64{1000}}}, dst)
		if err != nil {
			t.Fatal(err)
		}
		d := res.Success["0"].Data.Doubles
		if len(d) != 1000 || d[0] != float64(start) || d[999] != float64(start+999) {
			t.Fatalf("round %d: %v...", round, d[:3])
		}
		if round == 0 {
			first = &d[0]
		} else if &d[0] != first {
			t.Errorf("round %d: the block was decoded into a new buffer", round)
		}
	}
}
