package pipeline

import (
	"context"
	"encoding/binary"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/etp-transfer/etp-transfer/etp/server"
	"github.com/etp-transfer/etp-transfer/jobs"
	"github.com/etp-transfer/etp-transfer/pipeline/arrayfile"
)

// startServer runs an embedded ETP server on a real loopback socket for one
// test and returns its ws:// URL.
func startServer(t *testing.T, opts *server.Options) (string, *server.Server) {
	t.Helper()
	if opts == nil {
		opts = &server.Options{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	srv, err := server.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
	})
	return "ws" + strings.TrimPrefix(hs.URL, "http") + "/", srv
}

// runJob writes the job text into dir as job.yaml, parses and runs it, and
// returns the report. env is what ${VAR} sees.
func runJob(t *testing.T, ctx context.Context, dir, text string, env map[string]string, opts *Options) *Report {
	t.Helper()
	path := filepath.Join(dir, "job.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	job, err := jobs.ParseFile(path, &jobs.ParseOptions{LookupEnv: lookup})
	if err != nil {
		t.Fatalf("parse job: %v", err)
	}
	if opts == nil {
		opts = &Options{}
	}
	opts.LookupEnv = lookup
	opts.Backoff = Backoff{Base: 10 * time.Millisecond, Max: 50 * time.Millisecond}
	rep, err := Run(ctx, job, opts)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return rep
}

// taskStatus returns the named task's report (nested ones included).
func taskStatus(rep *Report, name string) *TaskReport {
	var find func([]TaskReport) *TaskReport
	find = func(ts []TaskReport) *TaskReport {
		for i := range ts {
			if ts[i].Name == name {
				return &ts[i]
			}
			if f := find(ts[i].Tasks); f != nil {
				return f
			}
		}
		return nil
	}
	return find(rep.Tasks)
}

func wantStatus(t *testing.T, rep *Report, name, status string) *TaskReport {
	t.Helper()
	tr := taskStatus(rep, name)
	if tr == nil {
		t.Fatalf("no task %s in the report", name)
	}
	if tr.Status != status {
		t.Fatalf("task %s: status %s (error %q), want %s", name, tr.Status, tr.Error, status)
	}
	return tr
}

// writeArray writes a .npy file of shape with element i = f(i).
func writeArray(t *testing.T, path string, d arrayfile.DType, shape []int64) []byte {
	t.Helper()
	n, err := arrayfile.Elements(shape)
	if err != nil {
		t.Fatal(err)
	}
	size := d.Size()
	data := make([]byte, n*int64(size))
	for i := range n {
		b := data[i*int64(size):]
		switch d {
		case arrayfile.Float64:
			binary.LittleEndian.PutUint64(b, math.Float64bits(float64(i)*1.5-7))
		case arrayfile.Float32:
			binary.LittleEndian.PutUint32(b, math.Float32bits(float32(i)*0.5))
		case arrayfile.Bool:
			b[0] = byte(i % 3 & 1)
		default:
			v := uint64(i*7919) ^ 0x5a5a
			if d == arrayfile.Uint64 || d == arrayfile.Int64 {
				v |= 1 << 61
			}
			for j := range size {
				b[j] = byte(v >> (8 * j))
			}
		}
	}
	w, err := arrayfile.Create(path, arrayfile.Info{Format: arrayfile.FormatNPY, DType: d, Shape: shape}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if n > 0 {
		if err := w.WriteBlock(make([]int64, len(shape)), shape, data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	return data
}

// readArray reads a whole .npy file back.
func readArray(t *testing.T, path string) (arrayfile.Info, []byte) {
	t.Helper()
	r, err := arrayfile.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	info := r.Info()
	size, _ := info.DataSize()
	buf := make([]byte, size)
	if size > 0 {
		if err := r.ReadBlock(make([]int64, len(info.Shape)), info.Shape, buf); err != nil {
			t.Fatal(err)
		}
	}
	return info, buf
}

// proxy forwards TCP connections to target and can cut them: a real
// dropped connection, as a load balancer or a network failure would cause.
type proxy struct {
	l      net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	// dropAfter, when > 0, cuts every connection once that many bytes went
	// from the client to the server through it, then resets to 0.
	dropAfter atomic.Int64
	refuse    atomic.Bool
	drops     atomic.Int64
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{l: l, target: strings.TrimSuffix(strings.TrimPrefix(target, "ws://"), "/")}
	go p.serve()
	t.Cleanup(func() { l.Close(); p.cutAll() })
	return p
}

func (p *proxy) url() string { return "ws://" + p.l.Addr().String() + "/" }

func (p *proxy) serve() {
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		if p.refuse.Load() {
			c.Close()
			continue
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		go func() {
			var sent int64
			buf := make([]byte, 32<<10)
			for {
				n, err := c.Read(buf)
				if n > 0 {
					if _, werr := s.Write(buf[:n]); werr != nil {
						break
					}
					sent += int64(n)
					if lim := p.dropAfter.Load(); lim > 0 && sent > lim && p.dropAfter.CompareAndSwap(lim, 0) {
						p.drops.Add(1)
						break
					}
				}
				if err != nil {
					break
				}
			}
			c.Close()
			s.Close()
		}()
		go func() { io.Copy(c, s); c.Close(); s.Close() }()
	}
}

func (p *proxy) cutAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}
