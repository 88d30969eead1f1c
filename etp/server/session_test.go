package server

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/etp-transfer/etp-transfer/etp"
)

func TestNegotiation(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, &Options{MaxMessageSize: 1 << 20})
	proto := func(p int32, role string) etp.SupportedProtocol {
		return etp.SupportedProtocol{Protocol: p, ProtocolVersion: etp.Version{Major: 1, Minor: 2}, Role: role}
	}
	tests := []struct {
		name   string
		modify func(rs *etp.RequestSession)
		code   etp.ErrorCode // 0: OpenSession expected
		check  func(t *testing.T, os *etp.OpenSession)
	}{
		{name: "all protocols", modify: func(*etp.RequestSession) {}, check: func(t *testing.T, os *etp.OpenSession) {
			if len(os.SupportedProtocols) != 5 {
				t.Errorf("protocols %v", os.SupportedProtocols)
			}
			for _, p := range os.SupportedProtocols {
				if p.Role != "store" || p.ProtocolVersion != (etp.Version{Major: 1, Minor: 2}) {
					t.Errorf("protocol %+v", p)
				}
			}
			if os.SupportedCompression != "" {
				t.Errorf("compression %q without asking", os.SupportedCompression)
			}
			if os.SessionID.IsZero() || os.ServerInstanceID.IsZero() {
				t.Error("zero ids")
			}
			if v, _ := etp.CapabilityInt64(os.EndpointCapabilities, "MaxWebSocketMessagePayloadSize"); v != 1<<20 {
				t.Errorf("MaxWebSocketMessagePayloadSize %d", v)
			}
		}},
		{name: "only requested ones echoed", modify: func(rs *etp.RequestSession) {
			rs.RequestedProtocols = []etp.SupportedProtocol{proto(9, "store"), proto(2, "producer"), proto(0, "server")}
		}, check: func(t *testing.T, os *etp.OpenSession) {
			if len(os.SupportedProtocols) != 1 || os.SupportedProtocols[0].Protocol != 9 {
				t.Errorf("protocols %v", os.SupportedProtocols)
			}
			if v, _ := etp.CapabilityInt64(os.SupportedProtocols[0].ProtocolCapabilities, "MaxDataArraySize"); v != DefaultMaxDataArraySize {
				t.Errorf("MaxDataArraySize %d", v)
			}
		}},
		{name: "gzip chosen", modify: func(rs *etp.RequestSession) { rs.SupportedCompression = []string{"lz4", "gzip"} },
			check: func(t *testing.T, os *etp.OpenSession) {
				if os.SupportedCompression != "gzip" {
					t.Errorf("compression %q", os.SupportedCompression)
				}
			}},
		{name: "data object intersection", modify: func(rs *etp.RequestSession) {
			rs.SupportedDataObjects = []etp.SupportedDataObject{{QualifiedType: "resqml20.obj_Grid2dRepresentation"},
				{QualifiedType: "witsml21.*"}, {QualifiedType: "foo99.*"}}
		}, check: func(t *testing.T, os *etp.OpenSession) {
			var got []string
			for _, d := range os.SupportedDataObjects {
				got = append(got, d.QualifiedType)
			}
			if strings.Join(got, ",") != "resqml20.obj_Grid2dRepresentation,witsml21.*" {
				t.Errorf("data objects %v", got)
			}
		}},
		{name: "no supported protocol", code: etp.ENoSupportedProtocols, modify: func(rs *etp.RequestSession) {
			rs.RequestedProtocols = []etp.SupportedProtocol{proto(1, "producer"), proto(5, "store")}
		}},
		{name: "wrong role", code: etp.ENoRole, modify: func(rs *etp.RequestSession) {
			rs.RequestedProtocols = []etp.SupportedProtocol{proto(4, "customer"), proto(9, "store")}
		}},
		{name: "no common format", code: etp.ENoSupportedFormats, modify: func(rs *etp.RequestSession) {
			rs.SupportedFormats = []string{"json"}
		}},
		{name: "no common data object type", code: etp.ENoSupportedDataObjectTypes, modify: func(rs *etp.RequestSession) {
			rs.SupportedDataObjects = []etp.SupportedDataObject{{QualifiedType: "prodml99.*"}}
		}},
		{name: "limit too small", code: etp.EInvalidArgument, modify: func(rs *etp.RequestSession) {
			rs.EndpointCapabilities["MaxWebSocketMessagePayloadSize"] = etp.Long(100)
		}},
		{name: "client limit lowers the session limit", modify: func(rs *etp.RequestSession) {
			rs.EndpointCapabilities["MaxWebSocketMessagePayloadSize"] = etp.Int(4096)
		}, check: func(t *testing.T, os *etp.OpenSession) {
			if v, _ := etp.CapabilityInt64(os.EndpointCapabilities, "MaxWebSocketMessagePayloadSize"); v != 1<<20 {
				t.Errorf("the server must advertise its own limit, got %d", v)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := dialRaw(t, url, nil)
			rs := clientRequestSession(0)
			tc.modify(rs)
			msgs := c.request(rs)
			if tc.code == 0 {
				os, ok := msgs[0].body.(*etp.OpenSession)
				if !ok || len(msgs) != 1 || msgs[0].h.CorrelationID != 2 || msgs[0].h.MessageID != 1 {
					t.Fatalf("want OpenSession with id 1 correlated to 2, got %s", describe(msgs))
				}
				tc.check(t, os)
				return
			}
			merge(t, msgs, 0).wantCode(t, tc.code)
			if err := c.waitClosed(); websocket.CloseStatus(err) == -1 && err == nil {
				t.Fatalf("connection not closed: %v", err)
			}
		})
	}
}

// TestSessionLimitApplies checks that the client's lower limit is what the
// server obeys: a response that would be larger is split.
func TestSessionLimitApplies(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, nil)
	big, _ := openRaw(t, url, 0)
	put := &etp.PutDataspaces{Dataspaces: map[string]etp.Dataspace{}}
	for i := range 200 {
		k := fmt.Sprintf("%s%03d", strings.Repeat("k", 30), i)
		put.Dataspaces[k] = etp.Dataspace{URI: etp.DataspaceURI("limit/" + k)}
	}
	merge(t, big.request(put), 0).noErrors(t)
	c, _ := openRaw(t, url, 4096)
	a := merge(t, c.request(&etp.GetDataspaces{}), 4096)
	a.noErrors(t)
	if len(a.parts) < 2 {
		t.Fatalf("want a multipart answer, got %d parts", len(a.parts))
	}
	n := 0
	for _, p := range a.parts {
		n += len(p.(*etp.GetDataspacesResponse).Dataspaces)
	}
	if n != 201 {
		t.Fatalf("%d dataspaces listed, want 201", n)
	}
}

func gzipBytes(t testing.TB, p []byte) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(p); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func header(p, mt int32, corr, id int64, flags int32) []byte {
	h := etp.MessageHeader{Protocol: p, MessageType: mt, CorrelationID: corr, MessageID: id, MessageFlags: flags}
	b, err := etp.AppendRecord(nil, &h)
	if err != nil {
		panic(err)
	}
	return b
}

func body(t testing.TB, m etp.Message) []byte {
	b, err := etp.AppendRecord(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReceiveChecks(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, &Options{MaxDecompressedSize: 2 << 20, MaxMessageSize: 1 << 20})
	fin := etp.FlagFinalPart
	getDS := body(t, &etp.GetDataspaces{})
	tests := []struct {
		name    string
		open    bool // open the session first
		msg     func(id int64) []byte
		corr0   bool // the answer is uncorrelated
		code    etp.ErrorCode
		protoIn int32 // protocol of the answer's header
	}{
		{name: "undecodable header", open: true, corr0: true, code: etp.EInvalidMessage,
			msg: func(int64) []byte { return []byte{0xff, 0xff, 0xff} }},
		{name: "empty message", open: true, corr0: true, code: etp.EInvalidMessage,
			msg: func(int64) []byte { return nil }},
		{name: "protocol not supported", open: true, code: etp.EUnsupportedProtocol, protoIn: 1,
			msg: func(id int64) []byte { return header(1, 1, 0, id, fin) }},
		{name: "unknown message type", open: true, code: etp.EInvalidMessageType, protoIn: 4,
			msg: func(id int64) []byte { return header(4, 77, 0, id, fin) }},
		{name: "store-only message", open: true, code: etp.EInvalidMessageType, protoIn: 9,
			msg: func(id int64) []byte {
				return append(header(9, 1, 0, id, fin), body(t, &etp.GetDataArraysResponse{})...)
			}},
		{name: "OpenSession to the server", open: true, code: etp.EInvalidMessageType,
			msg: func(id int64) []byte { return header(0, 2, 0, id, fin) }},
		{name: "compressed Core", open: true, code: etp.ECompressionNotSupported,
			msg: func(id int64) []byte {
				return append(header(0, 8, 0, id, fin|etp.FlagCompressed), gzipBytes(t, body(t, &etp.Ping{}))...)
			}},
		{name: "undecodable body", open: true, code: etp.EInvalidMessage, protoIn: 24,
			msg: func(id int64) []byte { return append(header(24, 1, 0, id, fin), 0x09) }},
		{name: "trailing bytes", open: true, code: etp.EInvalidMessage, protoIn: 24,
			msg: func(id int64) []byte { return append(append(header(24, 1, 0, id, fin), getDS...), 0) }},
		{name: "lying length", open: true, code: etp.EInvalidMessage, protoIn: 4,
			msg: func(id int64) []byte {
				return append(header(4, 1, 0, id, fin), 0x02, 0xfe, 0xff, 0xff, 0xff, 0x0f, 'a')
			}},
		{name: "corrupt gzip", open: true, code: etp.EInvalidMessage, protoIn: 24,
			msg: func(id int64) []byte {
				return append(header(24, 1, 0, id, fin|etp.FlagCompressed), 0x1f, 0x8b, 1, 2, 3)
			}},
		{name: "gzip bomb", open: true, code: etp.EMaxSizeExceeded, protoIn: 24,
			msg: func(id int64) []byte {
				return append(header(24, 3, 0, id, fin|etp.FlagCompressed), gzipBytes(t, make([]byte, 3<<20))...)
			}},
		{name: "odd message id", open: true, code: etp.EInvalidMessage, protoIn: 24,
			msg: func(id int64) []byte { return append(header(24, 1, 0, id+1, fin), getDS...) }},
		{name: "missing FIN on a single-part request", open: true, code: etp.EInvalidMessage, protoIn: 24,
			msg: func(id int64) []byte { return append(header(24, 1, 0, id, 0), getDS...) }},
		{name: "acknowledge asking for acknowledgement", open: true, code: etp.EInvalidState, protoIn: 24,
			msg: func(id int64) []byte { return header(24, 1001, 0, id, fin|etp.FlagAcknowledgementRequested) }},
		{name: "request before the session", code: etp.EInvalidState, protoIn: 24,
			msg: func(id int64) []byte { return append(header(24, 1, 0, id, fin), getDS...) }},
		{name: "ping before the session", code: etp.EInvalidState,
			msg: func(id int64) []byte { return append(header(0, 8, 0, id, fin), 0) }},
		{name: "unsupported protocol before the session", code: etp.EUnsupportedProtocol, protoIn: 2,
			msg: func(id int64) []byte { return header(2, 1, 0, id, fin) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := dialRaw(t, url, nil)
			if tc.open {
				if _, ok := c.request(clientRequestSession(0))[0].body.(*etp.OpenSession); !ok {
					t.Fatal("no OpenSession")
				}
			}
			id := c.nextID
			c.nextID += 2
			c.sendRaw(tc.msg(id))
			corr := id
			if tc.corr0 {
				corr = 0
			}
			if tc.name == "odd message id" {
				corr = id + 1
			}
			msgs := c.collect(corr)
			a := merge(t, msgs, 0)
			a.wantCode(t, tc.code)
			if msgs[len(msgs)-1].h.Protocol != tc.protoIn {
				t.Errorf("answer protocol %d, want %d", msgs[len(msgs)-1].h.Protocol, tc.protoIn)
			}
			// The session survives: a valid request still works.
			if tc.open {
				a := merge(t, c.request(&etp.GetDataspaces{}), 0)
				a.noErrors(t)
			} else {
				if _, ok := c.request(clientRequestSession(0))[0].body.(*etp.OpenSession); !ok {
					t.Fatal("no OpenSession after a refused message")
				}
			}
		})
	}
}

func TestCoreMessages(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, &Options{Token: "secret"})
	hdr := map[string][]string{"Authorization": {"Bearer secret"}}
	c := dialRaw(t, url, hdr)
	if _, ok := c.request(clientRequestSession(0))[0].body.(*etp.OpenSession); !ok {
		t.Fatal("no OpenSession")
	}
	t.Run("ping", func(t *testing.T) {
		msgs := c.request(&etp.Ping{CurrentDateTime: 1})
		if p, ok := msgs[0].body.(*etp.Pong); !ok || p.CurrentDateTime <= 1 {
			t.Fatalf("want Pong, got %s", describe(msgs))
		}
	})
	t.Run("acknowledge first", func(t *testing.T) {
		b, id := c.encode(&etp.GetDataspaces{}, 0, etp.FlagFinalPart|etp.FlagAcknowledgementRequested)
		c.sendRaw(b)
		m := c.next()
		for m.h.CorrelationID != id {
			m = c.next()
		}
		if _, ok := m.body.(*etp.Acknowledge); !ok || m.h.Protocol != 24 || !m.h.HasFlag(etp.FlagFinalPart) {
			t.Fatalf("want Acknowledge first, got %s", describe([]inMsg{m}))
		}
		if _, ok := c.collect(id)[0].body.(*etp.GetDataspacesResponse); !ok {
			t.Fatal("no response after the Acknowledge")
		}
	})
	t.Run("authorize", func(t *testing.T) {
		for _, tc := range []struct {
			auth string
			ok   bool
		}{{"Bearer secret", true}, {"bearer secret", true}, {"Bearer wrong", false}, {"secret", false}} {
			msgs := c.request(&etp.Authorize{Authorization: tc.auth})
			r, isResp := msgs[0].body.(*etp.AuthorizeResponse)
			if !isResp || r.Success != tc.ok || (len(r.Challenges) == 0) == !tc.ok {
				t.Errorf("%q: got %s %+v", tc.auth, describe(msgs), r)
			}
		}
	})
	t.Run("second RequestSession", func(t *testing.T) {
		merge(t, c.request(clientRequestSession(0)), 0).wantCode(t, etp.EInvalidState)
	})
	t.Run("CloseSession", func(t *testing.T) {
		c.send(&etp.CloseSession{Reason: "done"})
		err := c.waitClosed()
		if s := websocket.CloseStatus(err); s != websocket.StatusNormalClosure {
			t.Fatalf("close status %v (%v)", s, err)
		}
	})
}

func TestRequestSessionTimeout(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, &Options{RequestSessionTimeout: 200 * time.Millisecond})
	c := dialRaw(t, url, nil)
	start := time.Now()
	err := c.waitClosed()
	if err == nil {
		t.Fatal("no close error")
	}
	if time.Since(start) > 10*time.Second {
		t.Fatal("closed too late")
	}
}

func TestOversizeMessageCloses1009(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, &Options{MaxMessageSize: 4096})
	c, _ := openRaw(t, url, 0)
	big := &etp.PutDataspaces{Dataspaces: map[string]etp.Dataspace{"0": {URI: etp.DataspaceURI(strings.Repeat("x", 5000))}}}
	c.send(big)
	err := c.waitClosed()
	if s := websocket.CloseStatus(err); s != websocket.StatusMessageTooBig {
		t.Fatalf("close status %v (%v), want 1009", s, err)
	}
}

func TestTextMessageCloses(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, nil)
	c, _ := openRaw(t, url, 0)
	if err := c.conn.Write(c.ctx, websocket.MessageText, []byte(`{"json": true}`)); err != nil {
		t.Fatal(err)
	}
	err := c.waitClosed()
	if s := websocket.CloseStatus(err); s != websocket.StatusUnsupportedData {
		t.Fatalf("close status %v (%v)", s, err)
	}
}

func TestShutdownSendsCloseSession(t *testing.T) {
	t.Parallel()
	srv, url := startServer(t, nil)
	c, _ := openRaw(t, url, 0)
	pre := dialRaw(t, url, nil) // not yet open: just closed
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(c.ctx) }()
	m := c.next()
	if cs, ok := m.body.(*etp.CloseSession); !ok || cs.Reason == "" {
		t.Fatalf("want CloseSession, got %s", describe([]inMsg{m}))
	}
	if err := c.waitClosed(); err == nil {
		t.Fatal("connection still open")
	}
	if err := pre.waitClosed(); err == nil {
		t.Fatal("unopened connection still open")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(srv.Shutdown(c.ctx)); err != nil {
		t.Fatalf("second shutdown: %v", err)
	}
}
