package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/etp-transfer/etp-transfer/etp/server"
	"github.com/etp-transfer/etp-transfer/jobs"
)

// ServeCommand runs the embedded ETP 1.2 store server.
type ServeCommand struct{ env *commandEnv }

// Run implements the serve subcommand.
func (c *ServeCommand) Run(ctx context.Context, args []string) error {
	fs := c.env.newFlagSet("serve", c.Usage)
	listen := fs.String("listen", "127.0.0.1:9002", "listen on `ADDR`")
	dataDir := fs.String("data-dir", "", "keep the store in `DIR` (default: in memory, gone on exit)")
	noSync := fs.Bool("no-sync", false, "do not fsync the store (faster; data may not survive an OS crash)")
	tokenEnv := fs.String("token-env", "", "require the bearer token held in environment variable `NAME`")
	tokenFile := fs.String("token-file", "", "require the bearer token held in `FILE`")
	maxMsg := sizeFlag(fs, "max-message-size", server.DefaultMaxMessageSize, "MaxWebSocketMessagePayloadSize, e.g. 16MiB")
	maxArray := sizeFlag(fs, "max-data-array-size", 0, "largest array accepted (default 64GiB)")
	cert := fs.String("tls-cert", "", "serve wss:// with the certificate in `FILE` (PEM)")
	key := fs.String("tls-key", "", "private key `FILE` for -tls-cert (PEM)")
	cascade := fs.Bool("cascade-delete", false, "DeleteDataspaces deletes a dataspace with everything in it")
	requireTx := fs.Bool("require-transactions", false, "refuse writes outside a transaction, like OSDU open-etp-server")
	bench := fs.Bool("bench-endpoints", false, "also serve the raw WebSocket endpoints 'etp-transfer bench' measures its baseline with")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile to `FILE` until exit")
	lf := addLogFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *cpuprofile != "" {
		stop, err := startCPUProfile(*cpuprofile)
		if err != nil {
			return err
		}
		defer stop()
	}
	if fs.NArg() != 0 {
		return usageError{fmt.Errorf("serve takes no arguments, got %q", fs.Arg(0))}
	}
	log, err := lf.logger(c.env.stderr)
	if err != nil {
		return err
	}
	token, err := readToken(*tokenEnv, *tokenFile)
	if err != nil {
		return err
	}
	if (*cert == "") != (*key == "") {
		return usageError{errors.New("-tls-cert and -tls-key go together")}
	}
	srv, err := server.New(&server.Options{
		DataDir: *dataDir, NoSync: *noSync, Token: token,
		MaxMessageSize: *maxMsg, MaxDataArraySize: *maxArray,
		DeleteDataspaceCascade: *cascade, RequireTransactions: *requireTx,
		ApplicationName: "etp-transfer", ApplicationVersion: buildVersion(),
		Logger: log,
	})
	if err != nil {
		return err
	}
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", *listen)
	if err != nil {
		srv.Close()
		return err
	}
	scheme := "ws"
	if *cert != "" {
		pair, err := tls.LoadX509KeyPair(*cert, *key)
		if err != nil {
			l.Close()
			srv.Close()
			return fmt.Errorf("-tls-cert/-tls-key: %w", err)
		}
		l = tls.NewListener(l, &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12})
		scheme = "wss"
	}
	var h http.Handler = srv
	if *bench {
		h = benchHandler(srv)
	}
	// The first line on stdout is the URL, so scripts (and bench) can find a
	// port chosen with -listen 127.0.0.1:0.
	fmt.Fprintf(c.env.stdout, "listening on %s://%s/\n", scheme, l.Addr())
	log.Info("etp-transfer serve: listening", "addr", l.Addr().String(), "data_dir", *dataDir, "auth", token != "")
	err = serveHandler(ctx, srv, h, l)
	if errors.Is(err, server.ErrServerClosed) {
		err = nil
	}
	return err
}

// serveHandler serves h on l until ctx ends, then shuts srv down (sending
// CloseSession to every session).
func serveHandler(ctx context.Context, srv *server.Server, h http.Handler, l net.Listener) error {
	if h == http.Handler(srv) {
		return srv.Serve(ctx, l)
	}
	hs := &http.Server{Handler: h}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(l) }()
	select {
	case err := <-errc:
		srv.Close()
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), server.DefaultShutdownTimeout)
		defer cancel()
		err := srv.Shutdown(sctx)
		hs.Shutdown(sctx)
		<-errc
		return err
	}
}

// readToken reads a token from an environment variable or a file, never from
// the command line (where process listings would show it).
func readToken(env, file string) (string, error) {
	if env != "" && file != "" {
		return "", usageError{errors.New("give -token-env or -token-file, not both")}
	}
	tok, err := jobs.ReadToken(env, file, nil)
	if err != nil {
		return "", usageError{fmt.Errorf("token: %w", err)}
	}
	return tok, nil
}

// Usage prints the help of the serve subcommand.
func (c *ServeCommand) Usage(w io.Writer) {
	fmt.Fprint(w, `Usage: etp-transfer serve [flags]

Runs the embedded ETP 1.2 store server: Core, Discovery, Store, DataArray,
Transaction and Dataspace protocols over WebSocket (subprotocol
etp12.energistics.org), the capabilities document at
/.well-known/etp-server-capabilities and a health check at /healthz. It
listens on loopback unless told otherwise, prints "listening on URL" as its
first line on stdout, and on SIGINT/SIGTERM sends CloseSession to every
session and exits 0.

Flags:
  -listen ADDR               listen address (default 127.0.0.1:9002; port 0 picks one)
  -data-dir DIR              keep the store on disk in DIR (default: in memory)
  -no-sync                   do not fsync the on-disk store
  -token-env NAME            require "Authorization: Bearer <token>" with the token in $NAME
  -token-file FILE           ... or with the token in FILE
  -max-message-size SIZE     MaxWebSocketMessagePayloadSize (default 16MiB)
  -max-data-array-size SIZE  largest array accepted (default 64GiB)
  -tls-cert FILE, -tls-key FILE   serve wss:// (TLS 1.2 or newer)
  -cascade-delete            deleting a dataspace deletes what it holds (default: refused)
  -require-transactions      refuse writes outside a transaction (as OSDU open-etp-server)
  -log-format F, -log-level L

Examples:

	etp-transfer serve --listen 127.0.0.1:9002 --data-dir ./etp-data
	ETP_SERVER_TOKEN=secret etp-transfer serve -token-env ETP_SERVER_TOKEN
`)
}
