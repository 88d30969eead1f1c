package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/coder/websocket"

	"github.com/etp-transfer/etp-transfer/etp"
	"github.com/etp-transfer/etp-transfer/pipeline/arrayfile"
	"github.com/etp-transfer/etp-transfer/pipeline/transfer"
)

// BenchCommand measures upload and download throughput against a server,
// next to the raw WebSocket throughput between the same two processes.
type BenchCommand struct{ env *commandEnv }

// benchResult is the last line bench prints, as JSON.
type benchResult struct {
	UploadMBps       float64 `json:"upload_mbps"`
	DownloadMBps     float64 `json:"download_mbps"`
	BaselineUpMBps   float64 `json:"baseline_up_mbps,omitempty"`
	BaselineDownMBps float64 `json:"baseline_down_mbps,omitempty"`
	RatioUp          float64 `json:"ratio_up,omitempty"`
	RatioDown        float64 `json:"ratio_down,omitempty"`
	PeakRSSBytes     int64   `json:"peak_rss_bytes"`
	Bytes            int64   `json:"bytes"`
	DType            string  `json:"dtype"`
	Sessions         int     `json:"sessions"`
	Compression      string  `json:"compression"`
	Verified         bool    `json:"verified"`
}

const benchSubprotocol = "etp-transfer-bench"

// Run implements the bench subcommand.
func (c *BenchCommand) Run(ctx context.Context, args []string) error {
	fs := c.env.newFlagSet("bench", c.Usage)
	uri := fs.String("uri", "", "benchmark the ETP server at `URL` instead of a local embedded server")
	size := sizeFlag(fs, "size", 1<<30, "array size in bytes, e.g. 256MiB, 4GiB")
	dtypeName := fs.String("dtype", "float64", "element type")
	sessions := fs.Int("sessions", 1, "parallel ETP sessions")
	inFlight := fs.Int("in-flight", transfer.DefaultInFlight, "requests in flight per session")
	block := sizeFlag(fs, "block-size", transfer.DefaultBlockBytes, "array bytes per message")
	dataspace := fs.String("dataspace", "bench", "dataspace to write into")
	cpuprofile := fs.String("cpuprofile", "", "write CPU profiles of the client to `FILE` and of the embedded server to FILE.server")
	sf := addServerFlags(fs, func(n string, d int64, u string) *int64 { return sizeFlag(fs, n, d, u) })
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError{fmt.Errorf("bench takes no arguments, got %q", fs.Arg(0))}
	}
	dt, err := arrayfile.ParseDType(*dtypeName)
	if err != nil {
		return usageError{err}
	}
	if *sessions < 1 || *inFlight < 1 {
		return usageError{errors.New("-sessions and -in-flight must be at least 1")}
	}
	opts, err := sf.options()
	if err != nil {
		return err
	}
	compression := "on"
	if opts.Compression == "none" {
		compression = "off"
	}
	if *cpuprofile != "" {
		stop, err := startCPUProfile(*cpuprofile)
		if err != nil {
			return err
		}
		defer stop()
	}
	out := c.env.stdout
	res := benchResult{DType: dt.String(), Sessions: *sessions, Compression: compression}
	url := *uri
	if url == "" {
		var stop func() error
		url, stop, err = startBenchServer(ctx, *sf.maxMsg, *cpuprofile)
		if err != nil {
			return err
		}
		defer stop()
		fmt.Fprintf(out, "embedded server started as a separate process at %s\n", url)
	}
	n := *size / int64(dt.Size())
	shape := benchShape(n)
	res.Bytes = n * int64(dt.Size())

	if *uri == "" {
		// The baseline is the best of three runs of up to 256 MiB each: what
		// the WebSocket layer can move between the two processes, measured
		// the same way each time, and less at the mercy of one slow run.
		msg := int(min(*block+4096, *sf.maxMsg))
		per := min(res.Bytes, 256<<20)
		for range 3 {
			up, err := baselineUp(ctx, url, msg, per)
			if err != nil {
				return fmt.Errorf("baseline upload: %w", err)
			}
			down, err := baselineDown(ctx, url, msg, per)
			if err != nil {
				return fmt.Errorf("baseline download: %w", err)
			}
			res.BaselineUpMBps, res.BaselineDownMBps = max(res.BaselineUpMBps, up), max(res.BaselineDownMBps, down)
		}
	}

	var ss []*etp.Session
	for range *sessions {
		s, err := etp.Dial(ctx, url, opts)
		if err != nil {
			return err
		}
		defer s.Close(context.WithoutCancel(ctx))
		ss = append(ss, s)
	}
	clients := make([]transfer.Client, len(ss))
	for i, s := range ss {
		clients[i] = transfer.SessionClient{Session: s}
	}
	if err := benchDataspace(ctx, ss[0], *dataspace); err != nil {
		return err
	}
	id := etp.DataArrayIdentifier{
		URI:            etp.ObjectURI(*dataspace, "eml20.obj_EpcExternalPartReference", etp.NewUUID()),
		PathInResource: "/bench/" + dt.String(),
	}
	topts := &transfer.Options{InFlight: *inFlight, BlockBytes: *block}
	src := &synthetic{dtype: dt, shape: shape}
	up, err := transfer.Upload(ctx, clients, id, src, topts)
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	res.UploadMBps = mbps(up.Bytes, up.Duration)
	sink := &synthetic{dtype: dt, shape: shape}
	down, err := transfer.Download(ctx, clients, id, func(et transfer.ElementType, got []int64) (transfer.Sink, error) {
		if et.DType != dt || fmt.Sprint(got) != fmt.Sprint(shape) {
			return nil, fmt.Errorf("store holds %v %v, uploaded %v %v", et.DType, got, dt, shape)
		}
		return sink, nil
	}, topts)
	if err != nil {
		return fmt.Errorf("download: %w", err)
	}
	res.DownloadMBps = mbps(down.Bytes, down.Duration)
	res.Verified = sink.mismatch.Load() == 0 && sink.written.Load() == res.Bytes
	if res.BaselineUpMBps > 0 {
		res.RatioUp = round2(res.UploadMBps / res.BaselineUpMBps)
		res.RatioDown = round2(res.DownloadMBps / res.BaselineDownMBps)
	}
	res.PeakRSSBytes = peakRSS()

	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "\tMB/s\tratio to baseline\tblocks\tseconds\t\n")
	fmt.Fprintf(w, "baseline up (raw WebSocket)\t%.0f\t\t\t\t\n", res.BaselineUpMBps)
	fmt.Fprintf(w, "baseline down (raw WebSocket)\t%.0f\t\t\t\t\n", res.BaselineDownMBps)
	fmt.Fprintf(w, "upload %s %v\t%.0f\t%.2f\t%d\t%.2f\t\n", dt, shape, res.UploadMBps, res.RatioUp, up.Blocks, up.Duration.Seconds())
	fmt.Fprintf(w, "download %s %v\t%.0f\t%.2f\t%d\t%.2f\t\n", dt, shape, res.DownloadMBps, res.RatioDown, down.Blocks, down.Duration.Seconds())
	w.Flush()
	fmt.Fprintf(out, "verified: %v; peak client RSS %.1f MiB; %d session(s), %d in flight each, compression %s\n",
		res.Verified, float64(res.PeakRSSBytes)/(1<<20), *sessions, *inFlight, compression)
	b, _ := json.Marshal(res)
	fmt.Fprintln(out, string(b))
	if !res.Verified {
		return errors.New("bench: the downloaded array differs from the uploaded one")
	}
	return nil
}

// Usage prints the help of the bench subcommand.
func (c *BenchCommand) Usage(w io.Writer) {
	fmt.Fprint(w, `Usage: etp-transfer bench [flags]

Measures what the ETP path moves. Without -uri it starts the embedded server
as a separate process on loopback, first measures the raw WebSocket
throughput between the two processes with pre-built messages of the block
size (the baseline: the best of three runs of up to 256 MiB each), then uploads a synthetic array through ETP
(PutUninitializedDataArrays + PutDataSubarrays), downloads it back
(GetDataSubarrays) and verifies every element. Prints a table, then one line
of JSON: upload_mbps, download_mbps, baseline_up_mbps, baseline_down_mbps,
ratio_up, ratio_down, peak_rss_bytes (of this client process), ...

Flags:
  -size SIZE          array bytes (default 1GiB)
  -dtype T            element type (default float64)
  -sessions N         parallel sessions (default 1)
  -in-flight N        requests in flight per session (default 4)
  -block-size SIZE    array bytes per message (default 4MiB)
  -compression on|off offer gzip, used per message only where it pays (default on)
  -uri URL            benchmark another server (no baseline), with the
                      usual -token-env, -data-partition-id, -ca-file flags
  -max-message-size SIZE  session limit this side offers (default 16MiB)

Examples:

	etp-transfer bench
	etp-transfer bench -size 4GiB -sessions 2
	etp-transfer bench -uri wss://rddms.example.com/api/etp -token-env ETP_TOKEN -size 256MiB
`)
}

func mbps(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return math.Round(float64(n)/1e6/d.Seconds()*10) / 10
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// benchShape is a 2-D shape of about n elements with rows of 1024.
func benchShape(n int64) []int64 {
	if n >= 1024 && n%1024 == 0 {
		return []int64{n / 1024, 1024}
	}
	return []int64{max(n, 1)}
}

// benchDataspace creates the dataspace unless it exists.
func benchDataspace(ctx context.Context, s *etp.Session, path string) error {
	ds, err := s.GetDataspaces(ctx)
	if err != nil {
		return err
	}
	for _, d := range ds {
		if d.Path == path {
			return nil
		}
	}
	now := time.Now().UnixMicro()
	_, err = s.PutDataspaces(ctx, map[string]etp.Dataspace{"0": {URI: etp.DataspaceURI(path), Path: path, StoreCreated: now, StoreLastWrite: now}})
	return err
}

// startBenchServer runs "etp-transfer serve" as a child process on a free
// loopback port and returns its URL and a function that stops it.
func startBenchServer(ctx context.Context, maxMsg int64, cpuprofile string) (string, func() error, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	args := []string{"serve", "-listen", "127.0.0.1:0", "-bench-endpoints", "-no-sync",
		"-max-message-size", strconv.FormatInt(maxMsg, 10), "-log-level", "warn"}
	if cpuprofile != "" {
		args = append(args, "-cpuprofile", cpuprofile+".server")
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() error {
		cmd.Process.Signal(syscall.SIGTERM)
		return cmd.Wait()
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if err != nil || !ok {
		stop()
		return "", nil, fmt.Errorf("embedded server did not start (first line %q): %v", line, err)
	}
	go io.Copy(io.Discard, stdout)
	return url, stop, nil
}

// benchHandler adds the raw WebSocket endpoints of the bench baseline to
// the ETP server's handler: /bench/up reads binary messages until a text
// message and answers with the byte count; /bench/down?size=S&total=T
// writes binary messages of S bytes until T bytes were sent.
func benchHandler(etpHandler http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", etpHandler)
	mux.HandleFunc("/bench/up", func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{benchSubprotocol}})
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(1 << 30)
		var n int64
		for {
			typ, rd, err := c.Reader(r.Context())
			if err != nil {
				return
			}
			m, _ := io.Copy(io.Discard, rd)
			if typ == websocket.MessageText {
				c.Write(r.Context(), websocket.MessageText, []byte(strconv.FormatInt(n, 10)))
				c.Close(websocket.StatusNormalClosure, "")
				return
			}
			n += m
		}
	})
	mux.HandleFunc("/bench/down", func(w http.ResponseWriter, r *http.Request) {
		size, _ := strconv.Atoi(r.URL.Query().Get("size"))
		total, _ := strconv.ParseInt(r.URL.Query().Get("total"), 10, 64)
		if size <= 0 || size > 1<<30 || total <= 0 {
			http.Error(w, "size and total required", http.StatusBadRequest)
			return
		}
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{benchSubprotocol}})
		if err != nil {
			return
		}
		defer c.CloseNow()
		msg := benchMessage(size)
		for sent := int64(0); sent < total; sent += int64(size) {
			if err := c.Write(r.Context(), websocket.MessageBinary, msg); err != nil {
				return
			}
		}
		c.Close(websocket.StatusNormalClosure, "")
	})
	return mux
}

// benchMessage is a pre-built message of size bytes of float64 values.
func benchMessage(size int) []byte {
	b := make([]byte, size)
	for i := 0; i+8 <= size; i += 8 {
		binary.LittleEndian.PutUint64(b[i:], math.Float64bits(float64(i)*0.25))
	}
	return b
}

func benchURL(base, path string) string {
	return strings.TrimSuffix(base, "/") + path
}

// baselineUp sends total bytes in messages of size to /bench/up and returns MB/s.
func baselineUp(ctx context.Context, url string, size int, total int64) (float64, error) {
	c, _, err := websocket.Dial(ctx, benchURL(url, "/bench/up"), &websocket.DialOptions{Subprotocols: []string{benchSubprotocol}})
	if err != nil {
		return 0, err
	}
	defer c.CloseNow()
	msg := benchMessage(size)
	start := time.Now()
	var sent int64
	for sent < total {
		if err := c.Write(ctx, websocket.MessageBinary, msg); err != nil {
			return 0, err
		}
		sent += int64(size)
	}
	if err := c.Write(ctx, websocket.MessageText, []byte("done")); err != nil {
		return 0, err
	}
	_, ack, err := c.Read(ctx)
	if err != nil {
		return 0, err
	}
	if got, _ := strconv.ParseInt(string(ack), 10, 64); got != sent {
		return 0, fmt.Errorf("server received %s bytes, sent %d", ack, sent)
	}
	return mbps(sent, time.Since(start)), nil
}

// baselineDown receives total bytes in messages of size from /bench/down.
func baselineDown(ctx context.Context, url string, size int, total int64) (float64, error) {
	c, _, err := websocket.Dial(ctx, benchURL(url, fmt.Sprintf("/bench/down?size=%d&total=%d", size, total)),
		&websocket.DialOptions{Subprotocols: []string{benchSubprotocol}})
	if err != nil {
		return 0, err
	}
	defer c.CloseNow()
	c.SetReadLimit(int64(size) + 1)
	buf := make([]byte, size)
	start := time.Now()
	var got int64
	for got < total {
		_, rd, err := c.Reader(ctx)
		if err != nil {
			return 0, err
		}
		n, err := io.ReadFull(rd, buf)
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			return 0, err
		}
		got += int64(n)
	}
	return mbps(got, time.Since(start)), nil
}

// synthetic is an array whose elements are a function of their row-major
// index: the bench's source, and, when written to, a sink that checks every
// element against that function. Values repeat a pseudo-random pattern of
// patternLen elements (a smooth surface with noise in the low bits, like
// real depth maps: not compressible), and every stampEvery-th element holds
// its own index, so a block written at a wrong offset is caught. Filling a
// block is a copy, so the source costs the client almost nothing.
type synthetic struct {
	dtype    arrayfile.DType
	shape    []int64
	once     sync.Once
	pattern  []byte
	written  atomic.Int64
	mismatch atomic.Int64
}

const (
	patternLen = 1<<16 + 1 // odd, so the pattern does not line up with rows
	stampEvery = 1024
)

func (s *synthetic) Info() arrayfile.Info {
	return arrayfile.Info{Format: arrayfile.FormatRaw, DType: s.dtype, Shape: s.shape}
}

// patternBytes returns two periods of the pattern, so any run of up to one
// period starting anywhere in it is contiguous.
func (s *synthetic) patternBytes() []byte {
	s.once.Do(func() {
		size := s.dtype.Size()
		s.pattern = make([]byte, 2*patternLen*size)
		for i := range int64(2 * patternLen) {
			s.element(i%patternLen, s.pattern[i*int64(size):])
		}
	})
	return s.pattern
}

// fill writes the elements of the box (starts, counts) into dst.
func (s *synthetic) fill(starts, counts []int64, dst []byte) {
	size := int64(s.dtype.Size())
	pat := s.patternBytes()
	rowLen := counts[len(counts)-1]
	var k int64
	eachRow(s.shape, starts, counts, func(first int64) {
		out := dst[k*size : (k+rowLen)*size]
		for done := int64(0); done < rowLen; {
			at := (first + done) % patternLen
			n := min(rowLen-done, patternLen)
			copy(out[done*size:], pat[at*size:(at+n)*size])
			done += n
		}
		for i := (first + stampEvery - 1) / stampEvery * stampEvery; i < first+rowLen; i += stampEvery {
			s.stamp(i, out[(i-first)*size:])
		}
		k += rowLen
	})
}

// element writes pattern element i.
func (s *synthetic) element(i int64, b []byte) {
	le := binary.LittleEndian
	switch s.dtype {
	case arrayfile.Float64:
		le.PutUint64(b, math.Float64bits(2000+float64(i%4096)*0.01+float64(mix(i)>>40)*1e-9))
	case arrayfile.Float32:
		le.PutUint32(b, math.Float32bits(2000+float32(i%4096)*0.01+float32(mix(i)>>44)*1e-6))
	case arrayfile.Bool:
		b[0] = byte(mix(i) & 1)
	default:
		v := mix(i)
		if s.dtype == arrayfile.Uint64 {
			v >>= 1 // an ETP long carries uint64 values up to MaxInt64
		}
		for j := range s.dtype.Size() {
			b[j] = byte(v >> (8 * j))
		}
	}
}

// stamp writes element i's own index in a form the element type holds.
func (s *synthetic) stamp(i int64, b []byte) {
	switch s.dtype {
	case arrayfile.Float64:
		binary.LittleEndian.PutUint64(b, math.Float64bits(float64(i)))
	case arrayfile.Float32:
		binary.LittleEndian.PutUint32(b, math.Float32bits(float32(i/stampEvery)))
	case arrayfile.Bool:
		b[0] = byte(i / stampEvery & 1)
	default:
		v := uint64(i / stampEvery)
		for j := range s.dtype.Size() {
			b[j] = byte(v >> (8 * j))
		}
	}
}

// mix is a cheap 64-bit hash (splitmix64's finalizer) of i.
func mix(i int64) uint64 {
	z := uint64(i) + 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// ReadBlock implements transfer.Source.
func (s *synthetic) ReadBlock(starts, counts []int64, dst []byte) error {
	s.fill(starts, counts, dst)
	return nil
}

// WriteBlock implements transfer.Sink, checking the block against the
// pattern and the stamps in one pass, without building the expected block.
func (s *synthetic) WriteBlock(starts, counts []int64, src []byte) error {
	size := int64(s.dtype.Size())
	pat := s.patternBytes()
	rowLen := counts[len(counts)-1]
	var stamp [8]byte
	ok := true
	var k int64
	eachRow(s.shape, starts, counts, func(first int64) {
		row := src[k*size : (k+rowLen)*size]
		k += rowLen
		next := (first + stampEvery - 1) / stampEvery * stampEvery
		for done := int64(0); done < rowLen && ok; {
			at := (first + done) % patternLen
			n := min(rowLen-done, patternLen)
			// Compare up to the next stamp, then the stamp itself.
			if next < first+done+n {
				n = next - (first + done)
			}
			if n > 0 && !bytes.Equal(row[done*size:(done+n)*size], pat[at*size:(at+n)*size]) {
				ok = false
			}
			done += n
			if next == first+done && done < rowLen {
				s.stamp(next, stamp[:])
				ok = ok && bytes.Equal(row[done*size:(done+1)*size], stamp[:size])
				done++
				next += stampEvery
			}
		}
	})
	if !ok {
		s.mismatch.Add(1)
	}
	s.written.Add(int64(len(src)))
	return nil
}

// eachRow calls fn with the row-major index of the first element of every
// innermost row of the box, in order.
func eachRow(shape, starts, counts []int64, fn func(first int64)) {
	nd := len(shape)
	idx := make([]int64, nd)
	copy(idx, starts)
	for {
		var off int64
		for d := range nd {
			off = off*shape[d] + idx[d]
		}
		fn(off)
		d := nd - 2
		for ; d >= 0; d-- {
			idx[d]++
			if idx[d] < starts[d]+counts[d] {
				break
			}
			idx[d] = starts[d]
		}
		if d < 0 {
			return
		}
	}
}

// peakRSS returns the peak resident set size of this process (VmHWM).
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
