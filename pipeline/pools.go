package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/etp-transfer/etp-transfer/etp"
	"github.com/etp-transfer/etp-transfer/etp/server"
	"github.com/etp-transfer/etp-transfer/jobs"
	"github.com/etp-transfer/etp-transfer/pipeline/transfer"
)

// pools holds one session pool per server of the job, created on first use.
type pools struct {
	job  *jobs.Job
	opts Options

	mu     sync.Mutex
	byName map[string]*pool
	// embedded is the in-process server, started when a task first uses it.
	embedded     *server.Server
	embeddedURL  string
	embeddedDone chan error
	stopEmbedded context.CancelFunc
}

func newPools(job *jobs.Job, o Options) *pools {
	return &pools{job: job, opts: o, byName: map[string]*pool{}}
}

// get returns the pool of the named server.
func (ps *pools) get(ctx context.Context, name string) (*pool, error) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if p := ps.byName[name]; p != nil {
		return p, nil
	}
	srv := ps.job.Servers[name]
	if srv == nil {
		return nil, permanent(fmt.Errorf("no server named %q", name))
	}
	url := srv.URI
	if srv.Embedded {
		var err error
		if url, err = ps.startEmbedded(ctx, srv); err != nil {
			return nil, err
		}
	}
	p := &pool{srv: srv, url: url, lookup: ps.opts.LookupEnv, logger: ps.opts.Logger}
	ps.byName[name] = p
	return p, nil
}

// startEmbedded starts the in-process store on a loopback port; called with
// ps.mu held.
func (ps *pools) startEmbedded(ctx context.Context, srv *jobs.Server) (string, error) {
	if ps.embedded != nil {
		return ps.embeddedURL, nil
	}
	s, err := server.New(&server.Options{
		DataDir:        srv.DataDir,
		MaxMessageSize: srv.MaxMessageSize,
		Logger:         slog.New(minLevel{ps.opts.Logger.Handler(), slog.LevelWarn}).With("component", "embedded-server"),
	})
	if err != nil {
		return "", permanent(fmt.Errorf("start the embedded server: %w", err))
	}
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		s.Close()
		return "", fmt.Errorf("start the embedded server: %w", err)
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() { done <- s.Serve(sctx, l) }()
	ps.embedded, ps.stopEmbedded, ps.embeddedDone = s, cancel, done
	ps.embeddedURL = "ws://" + l.Addr().String() + "/"
	return ps.embeddedURL, nil
}

// minLevel passes on records at or above min only: the embedded server's
// session chatter stays out of a run's log unless something goes wrong.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(attrs), h.min}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.min}
}

// close closes every session, then stops the embedded server.
func (ps *pools) close(ctx context.Context) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range ps.byName {
		wg.Go(func() { p.close(ctx) })
	}
	wg.Wait()
	if ps.embedded != nil {
		ps.stopEmbedded()
		<-ps.embeddedDone
		ps.embedded = nil
	}
}

// pool is the set of sessions to one server shared by the tasks of a run.
// Sessions are opened when first needed, up to the server's sessions
// setting; a session that ended is replaced on the next get.
type pool struct {
	srv    *jobs.Server
	url    string
	lookup func(string) (string, bool)
	logger *slog.Logger

	mu       sync.Mutex
	sessions []*etp.Session
}

// dial opens one session with the server's settings.
func (p *pool) dial(ctx context.Context) (*etp.Session, error) {
	token, err := p.srv.Token(p.lookup)
	if err != nil {
		return nil, permanent(err)
	}
	comp := ""
	if p.srv.Compression == jobs.CompressionNone {
		comp = "none"
	}
	s, err := etp.Dial(ctx, p.url, &etp.SessionOptions{
		Token:            token,
		DataPartitionID:  p.srv.DataPartitionID,
		CAFile:           p.srv.CAFile,
		MaxMessageSize:   p.srv.MaxMessageSize,
		Compression:      comp,
		RequestTimeout:   p.srv.RequestTimeout,
		HandshakeTimeout: p.srv.ConnectTimeout,
		Logger:           p.logger.With("server", p.srv.Name),
	})
	if err != nil {
		return nil, fmt.Errorf("connect to server %s: %w", p.srv.Name, err)
	}
	return s, nil
}

// all returns the pool's live sessions, opening any that are missing or
// ended (up to the server's sessions setting; if some cannot be opened, it
// works with those that are).
func (p *pool) all(ctx context.Context) ([]*etp.Session, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	live := p.sessions[:0]
	for _, s := range p.sessions {
		select {
		case <-s.Done():
			s.Close(ctx)
		default:
			live = append(live, s)
		}
	}
	p.sessions = live
	want := max(p.srv.Sessions, 1)
	for len(p.sessions) < want {
		s, err := p.dial(ctx)
		if err != nil {
			if len(p.sessions) > 0 {
				break // work with what is open
			}
			return nil, err
		}
		p.sessions = append(p.sessions, s)
	}
	return append([]*etp.Session(nil), p.sessions...), nil
}

func (p *pool) close(ctx context.Context) {
	p.mu.Lock()
	defer p.mu.Unlock()
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for _, s := range p.sessions {
		wg.Go(func() { s.Close(cctx) })
	}
	wg.Wait()
	p.sessions = nil
}

// clients adapts sessions to the array path.
func clients(ss []*etp.Session) []transfer.Client {
	cs := make([]transfer.Client, len(ss))
	for i, s := range ss {
		cs[i] = transfer.SessionClient{Session: s}
	}
	return cs
}
