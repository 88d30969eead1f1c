package etp

import (
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestCapabilitiesURL(t *testing.T) {
	t.Parallel()
	const q = "GetVersion=etp12.energistics.org"
	tests := []struct {
		in, want string
	}{
		{"ws://host:9100", "http://host:9100/.well-known/etp-server-capabilities?" + q},
		{"ws://host/api/etp", "http://host/api/etp/.well-known/etp-server-capabilities?" + q},
		{"wss://host/api/etp/", "https://host/api/etp/.well-known/etp-server-capabilities?" + q},
		{"wss://host/etp?data-partition-id=opendes", "https://host/etp/.well-known/etp-server-capabilities?" + q +
			"&data-partition-id=opendes"},
		{"ftp://host/", ""},
		{"::", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := CapabilitiesURL(tt.in)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("CapabilitiesURL(%q) = %q, want an error", tt.in, got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("CapabilitiesURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

// capabilitiesJSON is the Avro-JSON encoding of a ServerCapabilities with the
// usual union forms, plus members a parser must ignore.
const capabilitiesJSON = `{
  "applicationName": "open-etp-server",
  "applicationVersion": "1.2",
  "contactInformation": {"organizationName": "OSDU", "contactName": "", "contactPhone": "", "contactEmail": "a@b.c"},
  "supportedCompression": ["gzip"],
  "supportedEncodings": ["binary"],
  "supportedFormats": ["xml"],
  "supportedDataObjects": [
    {"qualifiedType": "resqml20.*", "dataObjectCapabilities": {"SupportsGet": {"item": {"boolean": true}}}}
  ],
  "supportedProtocols": [
    {"protocol": 9, "protocolVersion": {"major": 1, "minor": 2, "revision": 0, "patch": 0}, "role": "store",
     "protocolCapabilities": {"MaxDataArraySize": {"item": {"long": 4000000000}}}},
    {"protocol": 24, "protocolVersion": {"major": 1, "minor": 2, "revision": 0, "patch": 0}, "role": "store",
     "protocolCapabilities": {}, "extra": 1}
  ],
  "endpointCapabilities": {
    "MaxWebSocketMessagePayloadSize": {"item": {"long": 16777216}},
    "MaxWebSocketFramePayloadSize": {"item": {"int": 1048576}},
    "AuthorizationDetails": {"item": {"Energistics.Etp.v12.Datatypes.ArrayOfString": {"values": ["Bearer authz_server=\"https://login\""]}}},
    "Nothing": {"item": null},
    "Ratio": {"item": {"double": 0.5}},
    "Blob": {"item": {"bytes": "\u0000\u00ff"}},
    "Longs": {"item": {"Energistics.Etp.v12.Datatypes.ArrayOfNullableLong": {"values": [1, null, {"long": 3}]}}}
  },
  "AuthorizationDetails": "open-etp-server quirk",
  "unknownMember": {"deep": [1, 2, 3]}
}`

func wantCapabilities() *ServerCapabilities {
	three := int64(3)
	one := int64(1)
	return &ServerCapabilities{
		ApplicationName:      "open-etp-server",
		ApplicationVersion:   "1.2",
		ContactInformation:   Contact{OrganizationName: "OSDU", ContactEmail: "a@b.c"},
		SupportedCompression: []string{"gzip"},
		SupportedEncodings:   []string{"binary"},
		SupportedFormats:     []string{"xml"},
		SupportedDataObjects: []SupportedDataObject{{QualifiedType: "resqml20.*",
			DataObjectCapabilities: map[string]DataValue{"SupportsGet": Bool(true)}}},
		SupportedProtocols: []SupportedProtocol{
			{Protocol: 9, ProtocolVersion: Version{1, 2, 0, 0}, Role: "store",
				ProtocolCapabilities: map[string]DataValue{"MaxDataArraySize": Long(4000000000)}},
			{Protocol: 24, ProtocolVersion: Version{1, 2, 0, 0}, Role: "store", ProtocolCapabilities: map[string]DataValue{}},
		},
		EndpointCapabilities: map[string]DataValue{
			"MaxWebSocketMessagePayloadSize": Long(16777216),
			"MaxWebSocketFramePayloadSize":   Int(1048576),
			"AuthorizationDetails":           Strings(`Bearer authz_server="https://login"`),
			"Nothing":                        nil,
			"Ratio":                          Double(0.5),
			"Blob":                           Bytes{0, 0xff},
			"Longs":                          ArrayOfNullableLong{Values: []*int64{&one, nil, &three}},
		},
	}
}

func TestParseServerCapabilities(t *testing.T) {
	t.Parallel()
	bin, err := AppendRecord(nil, wantCapabilities())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, contentType string
		doc               []byte
		want              *ServerCapabilities
		wantErr           string
	}{
		{name: "json", contentType: "application/json; charset=utf-8", doc: []byte(capabilitiesJSON), want: wantCapabilities()},
		{name: "json sniffed", contentType: "text/plain", doc: []byte(capabilitiesJSON), want: wantCapabilities()},
		{name: "binary", contentType: "application/octet-stream", doc: bin, want: wantCapabilities()},
		{name: "binary without type", doc: bin, want: wantCapabilities()},
		{name: "bare values", contentType: "application/json", doc: []byte(
			`{"applicationName": "x", "endpointCapabilities": {"A": 5, "B": true, "C": "s", "D": ["x"], "E": 1.5, "F": {"long": 7}}}`),
			want: &ServerCapabilities{ApplicationName: "x", EndpointCapabilities: map[string]DataValue{
				"A": Long(5), "B": Bool(true), "C": String("s"), "D": Strings("x"), "E": Double(1.5), "F": Long(7)}}},
		{name: "truncated json", contentType: "application/json", doc: []byte(`{"applicationName": "x"`), wantErr: "JSON"},
		{name: "wrong type", contentType: "application/json", doc: []byte(`{"applicationName": 5}`),
			wantErr: "ServerCapabilities.applicationName"},
		{name: "bad protocol", contentType: "application/json", doc: []byte(`{"supportedProtocols": [{"protocol": "x"}]}`),
			wantErr: "supportedProtocols[0].protocol"},
		{name: "int overflow", contentType: "application/json", doc: []byte(`{"endpointCapabilities": {"X": {"item": {"int": 3000000000}}}}`),
			wantErr: "endpointCapabilities.X"},
		{name: "unknown branch", contentType: "application/json", doc: []byte(`{"endpointCapabilities": {"X": {"item": {"Foo": 1}}}}`),
			wantErr: "unsupported DataValue branch"},
		{name: "binary garbage", contentType: "application/octet-stream", doc: []byte{0xff, 0xff}, wantErr: "Avro binary"},
		{name: "binary trailing", contentType: "application/octet-stream", doc: append(append([]byte(nil), bin...), 0),
			wantErr: "trailing"},
		{name: "json null", contentType: "application/json", doc: []byte(`null`), wantErr: "not an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseServerCapabilities(tt.doc, tt.contentType)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestGetServerCapabilities(t *testing.T) {
	t.Parallel()
	const token = "cap-token"
	var gotReq *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotReq = r.Clone(r.Context())
		switch {
		case r.Header.Get("Authorization") != "Bearer "+token:
			http.Error(w, "who are you? "+r.Header.Get("Authorization"), http.StatusUnauthorized)
		case r.URL.Path != "/api/etp/.well-known/etp-server-capabilities" || r.URL.Query().Get("GetVersion") != Subprotocol:
			http.NotFound(w, r)
		default:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(capabilitiesJSON))
		}
	}))
	t.Cleanup(srv.Close)
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/api/etp"

	caps, err := GetServerCapabilities(testCtx(t), url, &SessionOptions{Token: token, DataPartitionID: "opendes"})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(wantCapabilities(), caps, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("mismatch (-want +got):\n%s", d)
	}
	if gotReq.Header.Get("data-partition-id") != "opendes" {
		t.Errorf("data-partition-id not sent")
	}

	_, err = GetServerCapabilities(testCtx(t), url+"?Authorization="+token, &SessionOptions{Token: token + "-wrong"})
	if err == nil || !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), token) {
		t.Fatalf("401: err = %v (must not contain the token)", err)
	}
}

// writeCAFile writes the certificate of a TLS httptest server as a PEM file.
func writeCAFile(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ca.pem")
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTLS(t *testing.T) {
	t.Parallel()
	p := newTestPeer(t, peerOptions{tls: true})
	if !strings.HasPrefix(p.url, "wss://") {
		t.Fatalf("url %s", p.url)
	}
	ca := writeCAFile(t, p.srv)

	if _, err := Dial(testCtx(t), p.url, nil); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("Dial without the CA: err = %v", err)
	}
	s := dialPeer(t, p, &SessionOptions{CAFile: ca})
	if _, err := s.Ping(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(p.srv.Certificate())
	s2 := dialPeer(t, p, &SessionOptions{TLSConfig: p.srv.Client().Transport.(*http.Transport).TLSClientConfig})
	if _, err := s2.Ping(testCtx(t)); err != nil {
		t.Fatal(err)
	}

	bad := filepath.Join(t.TempDir(), "bad.pem")
	if err := os.WriteFile(bad, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Dial(testCtx(t), p.url, &SessionOptions{CAFile: bad}); err == nil ||
		!strings.Contains(err.Error(), "no PEM certificate") {
		t.Fatalf("bad CA file: err = %v", err)
	}
}

func FuzzParseServerCapabilities(f *testing.F) {
	bin, _ := AppendRecord(nil, wantCapabilities())
	f.Add([]byte(capabilitiesJSON), "application/json")
	f.Add(bin, "application/octet-stream")
	f.Add([]byte(`{"endpointCapabilities": {"A": {"item": {"ArrayOfBytes": {"values": ["\u00ff"]}}}}}`), "")
	f.Fuzz(func(t *testing.T, doc []byte, contentType string) {
		caps, err := ParseServerCapabilities(doc, contentType)
		if err == nil && caps == nil {
			t.Fatal("nil capabilities without an error")
		}
	})
}
