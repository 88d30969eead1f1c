package server

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/etp-transfer/etp-transfer/etp"
	"github.com/etp-transfer/etp-transfer/etp/server/storage"
)

// Subprotocol is the WebSocket subprotocol of ETP 1.2 (BRIEF 1.1).
const Subprotocol = "etp12.energistics.org"

// CapabilitiesPath is the path suffix of the server capabilities document
// (BRIEF 1.3); HealthPath is that of the health endpoint.
const (
	CapabilitiesPath = "/.well-known/etp-server-capabilities"
	HealthPath       = "/healthz"
)

// ErrServerClosed is returned by Serve and ListenAndServe after Shutdown or
// Close.
var ErrServerClosed = errors.New("etp/server: server closed")

// Server is an embedded ETP 1.2 store: an http.Handler that upgrades requests
// to ETP WebSocket sessions and serves the Core, Discovery, Store,
// DataArray, Transaction and Dataspace protocols from a storage.DB. See the
// package documentation for the endpoints and behaviour.
//
// All methods are safe for concurrent use. Shutdown or Close end the server;
// it cannot be restarted.
type Server struct {
	opts       Options
	db         *storage.DB
	ownDB      bool
	log        *slog.Logger
	instanceID etp.UUID
	caps       etp.ServerCapabilities
	capsJSON   []byte
	capsBinary []byte

	mu       sync.Mutex
	sessions map[*session]struct{}
	closing  bool
	dbClosed bool
	wg       sync.WaitGroup // one per running session
	baseCtx  context.Context
	cancel   context.CancelFunc

	panics atomic.Int64 // recovered handler panics (tests assert zero)
}

// New returns a Server configured by opts (nil for defaults). It opens the
// store when opts.Store is nil (opts.DataDir, or in memory). Errors report an
// invalid option or a store that cannot be opened.
func New(opts *Options) (*Server, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{opts: o, log: o.Logger, instanceID: etp.NewUUID(), sessions: map[*session]struct{}{}}
	s.baseCtx, s.cancel = context.WithCancel(context.Background())
	switch {
	case o.Store != nil:
		s.db = o.Store
	case o.DataDir != "":
		s.db, err = storage.Open(o.DataDir, &storage.Options{NoSync: o.NoSync})
		s.ownDB = true
	default:
		s.db, err = storage.OpenMemory(nil)
		s.ownDB = true
	}
	if err != nil {
		s.cancel()
		return nil, fmt.Errorf("etp/server: %w", err)
	}
	s.caps = s.serverCapabilities()
	if s.capsJSON, err = capabilitiesJSON(&s.caps); err == nil {
		s.capsBinary, err = etp.AppendRecord(nil, &s.caps)
	}
	if err != nil {
		s.cancel()
		if s.ownDB {
			_ = s.db.Close()
		}
		return nil, fmt.Errorf("etp/server: encode capabilities: %w", err)
	}
	return s, nil
}

// Store returns the storage the server serves.
func (s *Server) Store() *storage.DB { return s.db }

// ServeHTTP serves one HTTP request:
//   - GET .../.well-known/etp-server-capabilities: the ServerCapabilities
//     document as Avro-JSON, or Avro binary with $format=binary
//     (GetVersions=true lists the supported versions);
//   - GET .../healthz: 200 "ok" while the store answers, 503 otherwise;
//   - anything else: a WebSocket upgrade offering the subprotocol
//     etp12.energistics.org, served as one ETP session until it closes.
//     Requests that are not such an upgrade get HTTP 400 with a plain-text
//     reason; an etp-encoding other than binary gets 412.
//
// With Options.Token set, every request except the health check needs
// "Authorization: Bearer <token>" (else 401). After Shutdown, upgrades get 503.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasSuffix(r.URL.Path, HealthPath):
		s.serveHealth(w, r)
		return
	case !s.authorized(r):
		w.Header().Set("WWW-Authenticate", `Bearer realm="etp"`)
		http.Error(w, "etp/server: missing or invalid bearer token in the Authorization header", http.StatusUnauthorized)
		return
	case strings.HasSuffix(r.URL.Path, CapabilitiesPath):
		s.serveCapabilities(w, r)
		return
	}
	s.serveUpgrade(w, r)
}

// authorized checks the bearer token in constant time.
func (s *Server) authorized(r *http.Request) bool {
	if s.opts.Token == "" {
		return true
	}
	return s.tokenMatches(r.Header.Get("Authorization"))
}

// tokenMatches reports whether an Authorization value ("Bearer <token>",
// scheme in any case) carries the configured token.
func (s *Server) tokenMatches(auth string) bool {
	if s.opts.Token == "" {
		return true
	}
	scheme, tok, ok := strings.Cut(strings.TrimSpace(auth), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	tok = strings.TrimSpace(tok)
	return subtle.ConstantTimeCompare([]byte(tok), []byte(s.opts.Token)) == 1
}

func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "etp/server: use GET", http.StatusMethodNotAllowed)
		return
	}
	s.mu.Lock()
	closing := s.closing
	s.mu.Unlock()
	if closing {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	if _, err := s.db.GetDataspace(""); err != nil {
		s.log.Error("etp/server: health check failed", "err", err)
		http.Error(w, "store unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

func (s *Server) serveCapabilities(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "etp/server: use GET", http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	if strings.EqualFold(q.Get("GetVersions"), "true") {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`["` + Subprotocol + `"]`))
		return
	}
	if v := q.Get("GetVersion"); v != "" && v != Subprotocol {
		http.Error(w, fmt.Sprintf("etp/server: unsupported GetVersion %q; this server speaks %s", v, Subprotocol), http.StatusNotFound)
		return
	}
	switch f := q.Get("$format"); f {
	case "", "json":
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(s.capsJSON)
	case "binary":
		w.Header().Set("Content-Type", "avro/binary")
		_, _ = w.Write(s.capsBinary)
	default:
		http.Error(w, fmt.Sprintf("etp/server: unsupported $format %q; use json or binary", f), http.StatusBadRequest)
	}
}

// offersSubprotocol reports whether the upgrade request lists the ETP 1.2
// subprotocol.
func offersSubprotocol(r *http.Request) bool {
	for _, v := range r.Header.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(v, ",") {
			if strings.TrimSpace(p) == Subprotocol {
				return true
			}
		}
	}
	return false
}

func isUpgrade(r *http.Request) bool {
	for _, v := range r.Header.Values("Upgrade") {
		if strings.EqualFold(strings.TrimSpace(v), "websocket") {
			return true
		}
	}
	return false
}

func (s *Server) serveUpgrade(w http.ResponseWriter, r *http.Request) {
	if !isUpgrade(r) || !offersSubprotocol(r) {
		http.Error(w, "etp/server: this endpoint accepts only WebSocket upgrades offering the subprotocol "+
			Subprotocol+" (Sec-WebSocket-Protocol header); the capabilities document is at "+CapabilitiesPath,
			http.StatusBadRequest)
		return
	}
	enc := r.Header.Get("etp-encoding")
	if enc == "" {
		enc = r.URL.Query().Get("etp-encoding")
	}
	if enc != "" && !strings.EqualFold(enc, "binary") {
		http.Error(w, fmt.Sprintf("etp/server: unsupported etp-encoding %q; only binary is supported", enc),
			http.StatusPreconditionFailed)
		return
	}
	s.mu.Lock()
	switch {
	case s.closing:
		s.mu.Unlock()
		http.Error(w, "etp/server: shutting down", http.StatusServiceUnavailable)
		return
	case len(s.sessions) >= s.opts.MaxSessions:
		s.mu.Unlock()
		http.Error(w, fmt.Sprintf("etp/server: too many sessions (MaxSessionGlobalCount %d)", s.opts.MaxSessions),
			http.StatusServiceUnavailable)
		return
	}
	// Reserve the slot before the handshake so Shutdown waits for it.
	sess := newSession(s, r.RemoteAddr)
	s.sessions[sess] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.sessions, sess)
		s.mu.Unlock()
		s.wg.Done()
	}()
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols:    []string{Subprotocol},
		CompressionMode: websocket.CompressionDisabled,
	})
	if err != nil {
		s.log.Debug("etp/server: websocket upgrade failed", "remote", r.RemoteAddr, "err", err)
		return
	}
	sess.run(&wsWire{conn: conn})
}

// Shutdown ends the server gracefully: new upgrades are refused with 503,
// every open session is sent CloseSession and its connection closed (open
// transactions are rolled back), and Shutdown waits for the sessions to end
// or ctx to be done, whichever comes first; then it closes connections still
// open and, if the server opened the store, closes it. It returns ctx's error
// when the wait was cut short, else the store's close error. Calling it again
// waits again and returns nil. Shutdown does not stop an http.Server that
// serves s; Serve and ListenAndServe do that themselves.
func (s *Server) Shutdown(ctx context.Context) error {
	waitErr, dbErr := s.shutdown(ctx)
	return errors.Join(waitErr, dbErr)
}

// Close ends the server at once: like Shutdown with an expired context.
// CloseSession is still attempted for every session, but connections are
// closed without waiting, so a client may not see it. It returns the store's
// close error, if any.
func (s *Server) Close() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.shutdown(ctx)
	return err
}

func (s *Server) shutdown(ctx context.Context) (waitErr, dbErr error) {
	s.mu.Lock()
	s.closing = true
	list := make([]*session, 0, len(s.sessions))
	for sess := range s.sessions {
		list = append(list, sess)
	}
	s.mu.Unlock()
	var sends sync.WaitGroup
	for _, sess := range list {
		sends.Add(1)
		go func() {
			defer sends.Done()
			sess.shutdown(ctx, "server shutting down")
		}()
	}
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		waitErr = ctx.Err()
		s.cancel() // hard stop: every session's context
		s.mu.Lock()
		for sess := range s.sessions {
			sess.closeNow()
		}
		s.mu.Unlock()
		<-done
	}
	sends.Wait()
	s.cancel()
	return waitErr, s.closeDB()
}

func (s *Server) closeDB() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ownDB || s.dbClosed {
		return nil
	}
	s.dbClosed = true
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("etp/server: close store: %w", err)
	}
	return nil
}

// Serve accepts connections on l (wrap it with tls.NewListener for wss://)
// and serves them until ctx is cancelled or Shutdown is called. On
// cancellation it shuts the server down, allowing DefaultShutdownTimeout for
// sessions to close, and returns nil; it returns ErrServerClosed when
// Shutdown or Close ended it, or the listener's error. l is closed on return.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		BaseContext:       func(net.Listener) context.Context { return s.baseCtx },
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(l) }()
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return ErrServerClosed
		}
		_ = s.Shutdown(context.Background())
		return fmt.Errorf("etp/server: serve: %w", err)
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), DefaultShutdownTimeout)
		defer cancel()
		err := s.Shutdown(sctx)
		_ = hs.Shutdown(sctx)
		<-errc
		if errors.Is(err, context.DeadlineExceeded) {
			return nil
		}
		return err
	case <-s.baseCtx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), DefaultShutdownTimeout)
		defer cancel()
		_ = hs.Shutdown(sctx)
		<-errc
		return ErrServerClosed
	}
}

// ListenAndServe listens on the TCP address addr (e.g. ":9100") and calls
// Serve.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("etp/server: listen: %w", err)
	}
	return s.Serve(ctx, l)
}
