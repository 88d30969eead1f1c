package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/etp-transfer/etp-transfer/etp"
)

// CheckCommand opens a session with a server and prints what it negotiates.
type CheckCommand struct{ env *commandEnv }

// serverFlags are the connection flags shared by check and bench.
type serverFlags struct {
	tokenEnv, tokenFile, partition, caFile, compression *string
	maxMsg                                              *int64
	timeout                                             *time.Duration
}

func addServerFlags(fs interface {
	String(name, value, usage string) *string
	Duration(name string, value time.Duration, usage string) *time.Duration
}, sizes func(name string, def int64, usage string) *int64) *serverFlags {
	return &serverFlags{
		tokenEnv:    fs.String("token-env", "", "send the bearer token held in environment variable `NAME`"),
		tokenFile:   fs.String("token-file", "", "send the bearer token held in `FILE`"),
		partition:   fs.String("data-partition-id", "", "OSDU data-partition-id header"),
		caFile:      fs.String("ca-file", "", "trust the CA certificates in `FILE` (PEM) for wss://"),
		compression: fs.String("compression", "on", "on (offer gzip) or off"),
		maxMsg:      sizes("max-message-size", etp.DefaultMaxMessageSize, "largest message this side accepts"),
		timeout:     fs.Duration("connect-timeout", 30*time.Second, "bound on connecting and the session handshake"),
	}
}

// options returns the session options the flags describe.
func (f *serverFlags) options() (*etp.SessionOptions, error) {
	token, err := readToken(*f.tokenEnv, *f.tokenFile)
	if err != nil {
		return nil, err
	}
	comp := ""
	switch *f.compression {
	case "on", "auto", "gzip":
	case "off", "none":
		comp = "none"
	default:
		return nil, usageError{fmt.Errorf("-compression %q: want on or off", *f.compression)}
	}
	return &etp.SessionOptions{Token: token, DataPartitionID: *f.partition, CAFile: *f.caFile,
		MaxMessageSize: *f.maxMsg, Compression: comp, HandshakeTimeout: *f.timeout}, nil
}

// Run implements the check subcommand.
func (c *CheckCommand) Run(ctx context.Context, args []string) error {
	fs := c.env.newFlagSet("check", c.Usage)
	sf := addServerFlags(fs, func(n string, d int64, u string) *int64 { return sizeFlag(fs, n, d, u) })
	jsonOut := fs.Bool("json", false, "print the negotiated session as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{errors.New("check takes exactly one server URL (ws:// or wss://)")}
	}
	opts, err := sf.options()
	if err != nil {
		return err
	}
	url := fs.Arg(0)
	start := time.Now()
	s, err := etp.Dial(ctx, url, opts)
	if err != nil {
		return fmt.Errorf("check %s: %w", url, err)
	}
	defer s.Close(context.WithoutCancel(ctx))
	connect := time.Since(start)
	pctx, cancel := context.WithTimeout(ctx, *sf.timeout)
	defer cancel()
	rtt, err := s.Ping(pctx)
	if err != nil {
		return fmt.Errorf("check %s: ping: %w", url, err)
	}
	info := s.Info()
	if *jsonOut {
		out := struct {
			URL         string                       `json:"url"`
			Server      string                       `json:"server"`
			Version     string                       `json:"version"`
			SessionID   string                       `json:"session_id"`
			Compression string                       `json:"compression"`
			MaxMessage  int64                        `json:"max_message_size"`
			MaxFrame    int64                        `json:"max_frame_size"`
			ConnectMS   float64                      `json:"connect_ms"`
			PingMS      float64                      `json:"ping_ms"`
			Protocols   map[string]map[string]string `json:"protocols"`
			Endpoint    map[string]string            `json:"endpoint_capabilities"`
		}{URL: url, Server: info.ServerApplicationName, Version: info.ServerApplicationVersion,
			SessionID: info.SessionID.String(), Compression: info.Compression, MaxMessage: info.MaxMessageSize,
			MaxFrame: info.MaxFrameSize, ConnectMS: ms(connect), PingMS: ms(rtt),
			Protocols: map[string]map[string]string{}, Endpoint: capStrings(info.EndpointCapabilities)}
		for _, p := range info.Protocols {
			out.Protocols[etp.Protocol(p.Protocol).String()] = capStrings(p.ProtocolCapabilities)
		}
		enc := json.NewEncoder(c.env.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	w := tabwriter.NewWriter(c.env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "server\t%s %s\n", info.ServerApplicationName, info.ServerApplicationVersion)
	fmt.Fprintf(w, "session\t%s (connected in %v, ping %v)\n", info.SessionID, connect.Round(time.Microsecond), rtt.Round(time.Microsecond))
	comp := info.Compression
	if comp == "" {
		comp = "none"
	}
	fmt.Fprintf(w, "compression\t%s\n", comp)
	fmt.Fprintf(w, "message limit\t%d bytes (frame %d)\n", info.MaxMessageSize, info.MaxFrameSize)
	for _, p := range info.Protocols {
		fmt.Fprintf(w, "protocol %d\t%s %d.%d as %s\t%s\n", p.Protocol, etp.Protocol(p.Protocol), p.ProtocolVersion.Major, p.ProtocolVersion.Minor, p.Role, joinCaps(p.ProtocolCapabilities))
	}
	for _, k := range slices.Sorted(maps.Keys(info.EndpointCapabilities)) {
		fmt.Fprintf(w, "capability\t%s\t%s\n", k, etp.DataValueString(info.EndpointCapabilities[k]))
	}
	return w.Flush()
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func capStrings(m map[string]etp.DataValue) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = etp.DataValueString(v)
	}
	return out
}

func joinCaps(m map[string]etp.DataValue) string {
	s := ""
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			s += ", "
		}
		s += k + "=" + etp.DataValueString(m[k])
	}
	return s
}

// Usage prints the help of the check subcommand.
func (c *CheckCommand) Usage(w io.Writer) {
	fmt.Fprint(w, `Usage: etp-transfer check [flags] URL

Opens an ETP 1.2 session with the server at URL (ws:// or wss://), pings it,
prints the server, the negotiated protocols, limits and capabilities, and
closes the session. Exit status 0 when the session opened, 1 when not.

Flags:
  -token-env NAME | -token-file FILE   bearer token (never on the command line)
  -data-partition-id ID                OSDU data-partition-id header
  -ca-file FILE                        extra CA certificates for wss://
  -compression on|off                  offer gzip (default on) or not
  -max-message-size SIZE               this side's limit (default 16MiB)
  -connect-timeout D                   default 30s
  -json                                machine-readable output

Example:

	ETP_TOKEN=$(cat token) etp-transfer check -token-env ETP_TOKEN -data-partition-id opendes wss://rddms.example.com/api/etp
`)
}
