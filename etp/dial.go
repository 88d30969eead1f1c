package etp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// Subprotocol is the WebSocket subprotocol of ETP 1.2 (BRIEF 1.1). Dial offers
// it and fails when the server does not echo it.
const Subprotocol = "etp12.energistics.org"

// Defaults of SessionOptions.
const (
	// DefaultMaxMessageSize is the default of SessionOptions.MaxMessageSize:
	// 16 MiB.
	DefaultMaxMessageSize int64 = 16 << 20
	// DefaultRequestTimeout is the default of SessionOptions.RequestTimeout:
	// the ETP ResponseTimeoutPeriod default of 300 s (BRIEF 3.3).
	DefaultRequestTimeout = 5 * time.Minute
	// DefaultHandshakeTimeout is the default of
	// SessionOptions.HandshakeTimeout: the ETP
	// SessionEstablishmentTimeoutPeriod default of 60 s.
	DefaultHandshakeTimeout = 60 * time.Second
	// DefaultCloseTimeout is the default of SessionOptions.CloseTimeout.
	DefaultCloseTimeout = 5 * time.Second
	// DefaultMaxConcurrentMultipart is the default of
	// SessionOptions.MaxConcurrentMultipart.
	DefaultMaxConcurrentMultipart = 1000
	// DefaultMaxDataObjectSize is the default of
	// SessionOptions.MaxDataObjectSize: 128 MiB.
	DefaultMaxDataObjectSize int64 = 128 << 20
	// DefaultMaxResponseSize is the default of SessionOptions.MaxResponseSize:
	// 1 GiB.
	DefaultMaxResponseSize int64 = 1 << 30
	// minMessageSize is the smallest session limit Dial accepts: below it no
	// request of this package fits.
	minMessageSize = 1024
)

// DefaultDataObjectTypes is the default of SessionOptions.DataObjectTypes:
// the RESQML 2.0.1 / EML 2.0 and RESQML 2.2 / EML 2.3 families.
var DefaultDataObjectTypes = []string{"resqml20.*", "eml20.*", "resqml22.*", "eml23.*"}

// SessionOptions configures Dial and GetServerCapabilities. A nil
// *SessionOptions means all defaults; the zero value of every field means its
// default. Dial copies the struct, so the caller may reuse or change it
// afterwards.
type SessionOptions struct {
	// Token is the bearer token sent as "Authorization: Bearer <Token>" on
	// the WebSocket upgrade and the capabilities GET (BRIEF 1.2). Default ""
	// sends no Authorization header. The token is never logged and never put
	// in an error.
	Token string

	// DataPartitionID is sent as the data-partition-id header (OSDU
	// multi-partition servers). Default "" sends none.
	DataPartitionID string

	// CAFile is a PEM file of CA certificates trusted for wss:// in addition
	// to the system roots (or to TLSConfig.RootCAs when set). Default "": the
	// system roots only.
	CAFile string

	// TLSConfig, when set, is cloned and used for wss:// connections
	// (MinVersion is raised to TLS 1.2, BRIEF 1.1). Default nil: a config
	// with the system roots.
	TLSConfig *tls.Config

	// MaxMessageSize is this side's MaxWebSocketMessagePayloadSize and
	// MaxWebSocketFramePayloadSize (BRIEF 2.9): the largest message the
	// client accepts. The session limit is the smaller of this and the
	// server's value, and applies to both directions. Default
	// DefaultMaxMessageSize (16 MiB); values below 1024 are an error.
	MaxMessageSize int64

	// Compression selects the message compression offered in RequestSession
	// (BRIEF 2.8): "" or "gzip" offers gzip (the default), "none" offers
	// nothing. Any other value is an error. Compression is applied per
	// message only when it makes the message smaller, never on Core
	// messages, ProtocolException or Acknowledge.
	Compression string

	// ApplicationName and ApplicationVersion are sent in RequestSession.
	// Defaults: "etp-transfer" and the main module's version from the build
	// information ("devel" when unknown).
	ApplicationName    string
	ApplicationVersion string

	// ClientInstanceID identifies the client application instance in
	// RequestSession. Default: a random UUID per session.
	ClientInstanceID UUID

	// RequestTimeout is the longest wait for the first message of a response
	// and between two of its parts (ETP ResponseTimeoutPeriod, BRIEF 3.3).
	// It is also advertised as ResponseTimeoutPeriod. Default
	// DefaultRequestTimeout (5 min); a negative value disables it (the
	// request's context alone bounds the wait).
	RequestTimeout time.Duration

	// HandshakeTimeout bounds Dial: the WebSocket upgrade and the
	// RequestSession/OpenSession exchange. Default DefaultHandshakeTimeout
	// (60 s).
	HandshakeTimeout time.Duration

	// CloseTimeout bounds how long Close waits for CloseSession to be sent and
	// for the server to close the connection. Default DefaultCloseTimeout
	// (5 s).
	CloseTimeout time.Duration

	// Logger receives the session's logs: warnings for unsolicited or
	// unknown messages, debug records for every message sent and received.
	// Tokens are never logged. Default: a logger that discards everything.
	Logger *slog.Logger

	// MaxConcurrentMultipart is advertised as this side's
	// MaxConcurrentMultipart: how many multipart responses per protocol the
	// server may stream to the client at once (BRIEF 4.4). Advertise at least
	// the number of requests kept in flight per protocol. Default
	// DefaultMaxConcurrentMultipart (1000).
	MaxConcurrentMultipart int

	// MaxDataObjectSize is advertised as this side's MaxDataObjectSize and
	// bounds a data object reassembled from Store Chunks by GetDataObjects.
	// Default DefaultMaxDataObjectSize (128 MiB).
	MaxDataObjectSize int64

	// MaxResponseSize bounds the total encoded size of all parts of one
	// response; a larger response fails its request with ErrMessageTooLarge
	// (the session stays open). Default DefaultMaxResponseSize (1 GiB).
	MaxResponseSize int64

	// MaxDecompressedSize bounds the decompressed size of one received
	// compressed message, so a small gzip bomb cannot exhaust memory; a
	// larger one ends the session as malformed. Default 4 times the session
	// limit.
	MaxDecompressedSize int64

	// DataObjectTypes are the supportedDataObjects sent in RequestSession,
	// each with SupportsGet, SupportsPut and SupportsDelete true. Default
	// DefaultDataObjectTypes.
	DataObjectTypes []string

	// HTTPHeader holds extra headers for the WebSocket upgrade and the
	// capabilities GET. The headers the session sets itself
	// (Authorization when Token is set, data-partition-id when
	// DataPartitionID is set, etp-encoding, Sec-WebSocket-*) take
	// precedence. Default none.
	HTTPHeader http.Header
}

// withDefaults returns a copy of o (nil allowed) with every default filled
// in, or an error for an invalid value.
func (o *SessionOptions) withDefaults() (SessionOptions, error) {
	var r SessionOptions
	if o != nil {
		r = *o
	}
	if r.MaxMessageSize == 0 {
		r.MaxMessageSize = DefaultMaxMessageSize
	}
	if r.MaxMessageSize < minMessageSize {
		return r, fmt.Errorf("etp: SessionOptions.MaxMessageSize %d is below the minimum of %d bytes",
			r.MaxMessageSize, minMessageSize)
	}
	switch strings.ToLower(r.Compression) {
	case "", "gzip":
		r.Compression = "gzip"
	case "none":
		r.Compression = "none"
	default:
		return r, fmt.Errorf("etp: SessionOptions.Compression %q: want \"gzip\" or \"none\"", r.Compression)
	}
	if r.ApplicationName == "" {
		r.ApplicationName = "etp-transfer"
	}
	if r.ApplicationVersion == "" {
		r.ApplicationVersion = buildVersion()
	}
	if r.ClientInstanceID.IsZero() {
		r.ClientInstanceID = NewUUID()
	}
	if r.RequestTimeout == 0 {
		r.RequestTimeout = DefaultRequestTimeout
	}
	if r.HandshakeTimeout <= 0 {
		r.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if r.CloseTimeout <= 0 {
		r.CloseTimeout = DefaultCloseTimeout
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	if r.MaxConcurrentMultipart <= 0 {
		r.MaxConcurrentMultipart = DefaultMaxConcurrentMultipart
	}
	if r.MaxDataObjectSize <= 0 {
		r.MaxDataObjectSize = DefaultMaxDataObjectSize
	}
	if r.MaxResponseSize <= 0 {
		r.MaxResponseSize = DefaultMaxResponseSize
	}
	if len(r.DataObjectTypes) == 0 {
		r.DataObjectTypes = DefaultDataObjectTypes
	}
	return r, nil
}

func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// redactURL returns u without its query, fragment and user information,
// which may carry credentials (OSDU servers accept a token as a query
// parameter, BRIEF 1.2), for use in errors and logs.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparsable URL>"
	}
	r := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	s := r.String()
	if u.RawQuery != "" || u.User != nil || u.Fragment != "" {
		s += " (query and credentials not shown)"
	}
	return s
}

// redact removes the token from text that came from the network.
func (o *SessionOptions) redact(s string) string {
	if o.Token != "" {
		s = strings.ReplaceAll(s, o.Token, "[REDACTED]")
	}
	return s
}

// httpClient builds the HTTP client for the upgrade and the capabilities
// GET: HTTP/1.1 only (a WebSocket upgrade cannot run over HTTP/2), proxy from
// the environment, and the TLS settings of o.
func (o *SessionOptions) httpClient() (*http.Client, *http.Transport, error) {
	var cfg *tls.Config
	if o.TLSConfig != nil {
		cfg = o.TLSConfig.Clone()
	} else {
		cfg = &tls.Config{}
	}
	if cfg.MinVersion < tls.VersionTLS12 {
		cfg.MinVersion = tls.VersionTLS12
	}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, nil, fmt.Errorf("etp: read CA file: %w", err)
		}
		pool := cfg.RootCAs
		if pool == nil {
			pool, err = x509.SystemCertPool()
			if err != nil || pool == nil {
				pool = x509.NewCertPool()
			}
		} else {
			pool = pool.Clone()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, nil, fmt.Errorf("etp: CA file %s holds no PEM certificate", o.CAFile)
		}
		cfg.RootCAs = pool
	}
	cfg.NextProtos = []string{"http/1.1"}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       cfg,
		TLSHandshakeTimeout:   30 * time.Second,
		ResponseHeaderTimeout: 0,
		ForceAttemptHTTP2:     false,
		MaxIdleConns:          1,
		IdleConnTimeout:       time.Second,
	}
	return &http.Client{Transport: tr}, tr, nil
}

// headers returns the HTTP headers of the upgrade and the capabilities GET.
func (o *SessionOptions) headers() http.Header {
	h := o.HTTPHeader.Clone()
	if h == nil {
		h = http.Header{}
	}
	if o.Token != "" {
		h.Set("Authorization", "Bearer "+o.Token)
	}
	if o.DataPartitionID != "" {
		h.Set("data-partition-id", o.DataPartitionID)
	}
	h.Set("etp-encoding", "binary")
	return h
}

// Dial connects to the ETP 1.2 server at rawURL (ws:// or wss://) and opens a
// session (BRIEF sections 1 and 3.2):
//
//   - the WebSocket upgrade offers the subprotocol etp12.energistics.org and
//     sends Authorization (when opts.Token is set), data-partition-id (when
//     set) and etp-encoding: binary; a server that does not echo the
//     subprotocol is refused;
//   - RequestSession asks for Discovery (3), Store (4), DataArray (9),
//     Transaction (18) and Dataspace (24) with role "store", version
//     1.2.0.0, offers gzip unless disabled, and advertises this side's
//     limits;
//   - from OpenSession it keeps every capability the server sent, the
//     negotiated protocols and compression, and sets the session limit to the
//     smaller of both sides' MaxWebSocketMessagePayloadSize (the WebSocket
//     read limit follows it).
//
// A ProtocolException instead of OpenSession returns a *ProtocolError
// (wrapped; use CodeOf) naming the server's reason. ctx and
// opts.HandshakeTimeout bound the whole exchange; ctx does not bound the
// session afterwards. The returned Session must be closed with Close.
func Dial(ctx context.Context, rawURL string, opts *SessionOptions) (*Session, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	where := redactURL(rawURL)
	switch {
	case strings.HasPrefix(strings.ToLower(rawURL), "ws://"), strings.HasPrefix(strings.ToLower(rawURL), "wss://"):
	default:
		return nil, fmt.Errorf("etp: dial %s: the URL must start with ws:// or wss://", where)
	}
	client, tr, err := o.httpClient()
	if err != nil {
		return nil, err
	}
	defer tr.CloseIdleConnections()

	hctx, cancel := context.WithTimeout(ctx, o.HandshakeTimeout)
	defer cancel()
	conn, resp, err := websocket.Dial(hctx, rawURL, &websocket.DialOptions{
		HTTPClient:   client,
		HTTPHeader:   o.headers(),
		Subprotocols: []string{Subprotocol},
	})
	if err != nil {
		return nil, o.dialError(where, resp, err)
	}
	if conn.Subprotocol() != Subprotocol {
		_ = conn.CloseNow()
		got := conn.Subprotocol()
		if got == "" {
			return nil, fmt.Errorf("etp: dial %s: the server did not accept the WebSocket subprotocol %s "+
				"(no Sec-WebSocket-Protocol in its answer); is this an ETP 1.2 endpoint?", where, Subprotocol)
		}
		return nil, fmt.Errorf("etp: dial %s: the server chose the WebSocket subprotocol %q, not %s",
			where, truncate(got, 100), Subprotocol)
	}
	conn.SetReadLimit(o.MaxMessageSize)

	s := newSession(conn, o)
	if err := s.handshake(hctx); err != nil {
		_ = conn.CloseNow()
		s.cancel()
		return nil, fmt.Errorf("etp: open session with %s: %w", where, err)
	}
	s.log.Info("etp: session open", "url", where, "sessionId", s.info.SessionID.String(),
		"server", s.info.ServerApplicationName+" "+s.info.ServerApplicationVersion,
		"maxMessageSize", s.limit, "compression", s.info.Compression)
	s.start()
	return s, nil
}

func (o *SessionOptions) dialError(where string, resp *http.Response, err error) error {
	if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
		var snippet string
		if resp.Body != nil {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			snippet = strings.TrimSpace(o.redact(string(b)))
		}
		msg := fmt.Sprintf("etp: dial %s: the server answered HTTP %s", where, resp.Status)
		switch resp.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			msg += " (check the token and data partition)"
		}
		if snippet != "" {
			msg += ": " + truncate(snippet, 300)
		}
		return errors.New(msg)
	}
	// A *url.Error repeats the whole URL, query included, which may hold a
	// token (OSDU servers accept one as a query parameter): keep its cause.
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("etp: dial %s: %s: %s", where, ue.Op, o.redact(ue.Err.Error()))
	}
	return fmt.Errorf("etp: dial %s: %s", where, o.redact(err.Error()))
}

func newSession(conn *websocket.Conn, o SessionOptions) *Session {
	ctx, cancel := context.WithCancel(context.Background())
	s := &Session{
		conn:        conn,
		log:         o.Logger,
		opts:        o,
		negotiated:  map[Protocol]bool{},
		limit:       o.MaxMessageSize,
		frameLimit:  o.MaxMessageSize,
		maxResponse: o.MaxResponseSize,
		writeLock:   make(chan struct{}, 1),
		nextID:      2,
		pending:     map[int64]*pendingRequest{},
		done:        make(chan struct{}),
		ctx:         ctx,
		cancel:      cancel,
		control:     make(chan controlMessage, 64),
		readerDone:  make(chan struct{}),
		controlDone: make(chan struct{}),
	}
	if o.RequestTimeout > 0 {
		s.requestTimeout = o.RequestTimeout
	}
	return s
}

// requestedProtocols are the protocols every session asks for, with the
// role the server is asked to play (BRIEF 3.2).
var requestedProtocols = []Protocol{ProtocolDiscovery, ProtocolStore, ProtocolDataArray,
	ProtocolTransaction, ProtocolDataspace}

func (s *Session) requestSession() *RequestSession {
	o := &s.opts
	rs := &RequestSession{
		ApplicationName:    o.ApplicationName,
		ApplicationVersion: o.ApplicationVersion,
		ClientInstanceID:   o.ClientInstanceID,
		SupportedFormats:   []string{"xml"},
		CurrentDateTime:    time.Now().UnixMicro(),
		EndpointCapabilities: map[string]DataValue{
			capMaxMessage:             Long(o.MaxMessageSize),
			capMaxFrame:               Long(o.MaxMessageSize),
			capMaxConcurrentMultipart: Long(int64(o.MaxConcurrentMultipart)),
			capMaxDataObjectSize:      Long(o.MaxDataObjectSize),
		},
	}
	if o.RequestTimeout > 0 {
		rs.EndpointCapabilities[capResponseTimeout] = Long(int64(max(o.RequestTimeout/time.Second, 1)))
	}
	if o.Compression == "gzip" {
		rs.SupportedCompression = []string{"gzip"}
	}
	for _, p := range requestedProtocols {
		rs.RequestedProtocols = append(rs.RequestedProtocols, SupportedProtocol{
			Protocol:        int32(p),
			ProtocolVersion: Version{Major: 1, Minor: 2},
			Role:            "store",
		})
	}
	for _, t := range o.DataObjectTypes {
		rs.SupportedDataObjects = append(rs.SupportedDataObjects, SupportedDataObject{
			QualifiedType: t,
			DataObjectCapabilities: map[string]DataValue{
				"SupportsGet": Bool(true), "SupportsPut": Bool(true), "SupportsDelete": Bool(true),
			},
		})
	}
	return rs
}

// handshake sends RequestSession and reads the answer directly (the reader
// goroutine is not running yet).
func (s *Session) handshake(ctx context.Context) error {
	rs := s.requestSession()
	msg, err := s.encode(0, 0, FlagFinalPart, rs)
	if err != nil {
		return err
	}
	id, err := s.write(ctx, msg, nil)
	if err != nil {
		return err
	}
	buf := make([]byte, 0, 4096)
	for range 16 {
		typ, r, err := s.conn.Reader(ctx)
		if err == nil {
			buf, err = readMessage(r, buf[:0])
		}
		if err != nil {
			if errors.Is(err, websocket.ErrMessageTooBig) {
				return fmt.Errorf("%w: the answer to RequestSession exceeds %d bytes", ErrMessageTooLarge, s.limit)
			}
			if ctx.Err() != nil {
				return fmt.Errorf("waiting for OpenSession: %w", ctx.Err())
			}
			if cs := websocket.CloseStatus(err); cs != -1 {
				var ce websocket.CloseError
				errors.As(err, &ce)
				return fmt.Errorf("the server closed the connection instead of answering RequestSession "+
					"(WebSocket status %d %v%s)", int(cs), cs, reasonSuffix(ce.Reason))
			}
			return fmt.Errorf("waiting for OpenSession: %w", err)
		}
		if typ != websocket.MessageBinary {
			return fmt.Errorf("malformed answer to RequestSession: a %v WebSocket message", typ)
		}
		h, body, err := DecodeMessage(buf, &DecodeOptions{MaxDecompressedSize: 4 * s.limit})
		if err != nil {
			return fmt.Errorf("malformed answer to RequestSession: %w", err)
		}
		if h.CorrelationID != id && h.CorrelationID != 0 {
			s.log.Warn("etp: message before OpenSession ignored", "header", h.String())
			continue
		}
		switch b := body.(type) {
		case *OpenSession:
			return s.open(b)
		case *ProtocolException:
			if b.Error != nil {
				return fmt.Errorf("the server refused the session: %w", newProtocolError(*b.Error))
			}
			for _, info := range b.Errors {
				return fmt.Errorf("the server refused the session: %w", newProtocolError(info))
			}
			return errors.New("the server refused the session with an empty ProtocolException")
		case *CloseSession:
			return fmt.Errorf("the server sent CloseSession instead of OpenSession%s", reasonSuffix(b.Reason))
		default:
			s.log.Warn("etp: message before OpenSession ignored", "header", h.String())
		}
	}
	return errors.New("no OpenSession among the server's first 16 messages")
}

// open applies the server's OpenSession (BRIEF 3.2 negotiation rules).
func (s *Session) open(op *OpenSession) error {
	info := SessionInfo{
		SessionID:                  op.SessionID,
		ServerInstanceID:           op.ServerInstanceID,
		ServerApplicationName:      op.ApplicationName,
		ServerApplicationVersion:   op.ApplicationVersion,
		DataObjects:                op.SupportedDataObjects,
		Formats:                    op.SupportedFormats,
		ServerTime:                 op.CurrentDateTime,
		EarliestRetainedChangeTime: op.EarliestRetainedChangeTime,
		EndpointCapabilities:       op.EndpointCapabilities,
	}
	if info.EndpointCapabilities == nil {
		info.EndpointCapabilities = map[string]DataValue{}
	}
	requested := map[Protocol]bool{}
	for _, p := range requestedProtocols {
		requested[p] = true
	}
	for _, sp := range op.SupportedProtocols {
		p := Protocol(sp.Protocol)
		switch {
		case !requested[p]:
			s.log.Warn("etp: OpenSession lists a protocol that was not requested; ignored", "protocol", p.String())
			continue
		case s.negotiated[p]:
			s.log.Warn("etp: OpenSession lists a protocol twice; first entry kept", "protocol", p.String())
			continue
		case !strings.EqualFold(sp.Role, "store"):
			s.log.Warn("etp: OpenSession changed the role of a protocol; ignored", "protocol", p.String(),
				"role", sp.Role)
			continue
		}
		if sp.ProtocolVersion != (Version{Major: 1, Minor: 2}) {
			s.log.Warn("etp: the server answered another protocol version", "protocol", p.String(),
				"version", fmt.Sprintf("%d.%d.%d.%d", sp.ProtocolVersion.Major, sp.ProtocolVersion.Minor,
					sp.ProtocolVersion.Revision, sp.ProtocolVersion.Patch))
		}
		s.negotiated[p] = true
		info.Protocols = append(info.Protocols, sp)
	}

	if strings.EqualFold(op.SupportedCompression, "gzip") && s.opts.Compression == "gzip" {
		info.Compression = "gzip"
		s.compress = true
	} else if op.SupportedCompression != "" {
		s.log.Warn("etp: the server chose a compression that was not offered; not compressing",
			"compression", op.SupportedCompression)
	}

	limit := s.opts.MaxMessageSize
	if v, ok := CapabilityInt64(op.EndpointCapabilities, capMaxMessage); ok && v > 0 {
		limit = min(limit, v)
	}
	if limit < minMessageSize {
		return fmt.Errorf("the server's MaxWebSocketMessagePayloadSize of %d bytes is below the usable minimum of %d",
			limit, minMessageSize)
	}
	frame := s.opts.MaxMessageSize
	if v, ok := CapabilityInt64(op.EndpointCapabilities, capMaxFrame); ok && v > 0 {
		frame = min(frame, v)
	}
	frame = max(min(frame, limit), 512)
	s.limit, s.frameLimit = limit, frame
	info.MaxMessageSize, info.MaxFrameSize = limit, frame
	s.conn.SetReadLimit(limit)

	s.decodeOpts.MaxDecompressedSize = s.opts.MaxDecompressedSize
	if s.decodeOpts.MaxDecompressedSize <= 0 {
		s.decodeOpts.MaxDecompressedSize = 4 * limit
	}
	if v, ok := CapabilityInt64(op.EndpointCapabilities, capMaxConcurrentMultipart); ok && v > 0 {
		s.multipartSem = make(chan struct{}, min(v, 1<<16))
	}
	s.info = info
	s.maxChunk = s.chunkPayloadLimit()
	return nil
}

// chunkPayloadLimit is the largest data slice of one Store Chunk: it must fit
// the session limit with its header and record framing, and the server's
// MaxPartSize when advertised (endpoint or Store protocol capability).
func (s *Session) chunkPayloadLimit() int {
	// header <= 40 bytes, blobId 16, bytes length <= 10, final 1.
	n := s.limit - 80
	if v, ok := CapabilityInt64(s.info.EndpointCapabilities, capMaxPartSize); ok && v > 0 {
		n = min(n, v)
	}
	if v, ok := s.info.ProtocolCapabilityInt64(ProtocolStore, capMaxPartSize); ok && v > 0 {
		n = min(n, v)
	}
	return int(max(n, 1))
}
