package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/etp-transfer/etp-transfer/etp"
	"github.com/etp-transfer/etp-transfer/etp/server"
	"github.com/etp-transfer/etp-transfer/pipeline/arrayfile"
)

// uploadJob uploads big.npy (already written into dir) to test/a through
// ${URI}, then downloads it back.
const uploadJob = `version: 1
servers:
  store: {uri: "${URI}", max_message_size: 16KiB, compression: none}
defaults: {server: store, dataspace: test/a, retries: 3}
tasks:
  - name: mkds
    create_dataspace: {}
  - name: up
    depends_on: [mkds]
    upload_array: {file: big.npy, uri: "` + "eml:///dataspace('test/a')/eml20.obj_EpcExternalPartReference(" + epcUUID + ")" + `", path: /big}
  - name: down
    depends_on: [up]
    download_array: {file: out/big.npy, uri: "` + "eml:///dataspace('test/a')/eml20.obj_EpcExternalPartReference(" + epcUUID + ")" + `", path: /big, verify_against: big.npy}
`

// TestDroppedConnectionResumes cuts the TCP connection in the middle of an
// upload: the task retries on a new session, resumes the blocks not yet
// written, and the downloaded array is identical.
func TestDroppedConnectionResumes(t *testing.T) {
	url, _ := startServer(t, nil)
	p := startProxy(t, url)
	dir := t.TempDir()
	want := writeArray(t, filepath.Join(dir, "big.npy"), arrayfile.Float64, []int64{400, 250}) // 800 KB, ~55 blocks
	p.dropAfter.Store(300 << 10)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep := runJob(t, ctx, dir, uploadJob, map[string]string{"URI": p.url()}, nil)
	up := wantStatus(t, rep, "up", StatusOK)
	wantStatus(t, rep, "down", StatusOK)
	if p.drops.Load() != 1 {
		t.Fatalf("the proxy cut %d connections, want 1", p.drops.Load())
	}
	if up.Retries < 1 || len(up.Warnings) == 0 {
		t.Errorf("upload: %d retries, warnings %q; want the dropped connection retried", up.Retries, up.Warnings)
	}
	// Resumed, not restarted: fewer bytes than twice the array.
	if up.Bytes >= 2*int64(len(want)) {
		t.Errorf("upload moved %d bytes for an array of %d: it restarted instead of resuming", up.Bytes, len(want))
	}
	_, got := readArray(t, filepath.Join(dir, "out", "big.npy"))
	if !bytes.Equal(got, want) {
		t.Error("the downloaded array differs after the resumed upload")
	}
}

// TestRerunAfterFailure: a first run fails (the server is unreachable for
// the upload), reports the failed and skipped tasks; a second run of the
// same job completes it.
func TestRerunAfterFailure(t *testing.T) {
	url, _ := startServer(t, nil)
	p := startProxy(t, url)
	dir := t.TempDir()
	want := writeArray(t, filepath.Join(dir, "big.npy"), arrayfile.Float64, []int64{100, 100})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Every connection is cut after the handshake and the first requests.
	job := strings.Replace(uploadJob, "retries: 3", "retries: 1", 1)
	p.dropAfter.Store(1)
	first := runJobWithDrops(t, ctx, dir, job, p)
	if first.Status != StatusFailed {
		t.Fatalf("first run: status %s, want failed", first.Status)
	}
	wantStatus(t, first, "down", StatusSkipped)

	p.dropAfter.Store(0)
	second := runJob(t, ctx, dir, job, map[string]string{"URI": p.url()}, nil)
	if second.Status != StatusOK {
		t.Fatalf("second run: status %s: %+v", second.Status, second.Tasks)
	}
	_, got := readArray(t, filepath.Join(dir, "out", "big.npy"))
	if !bytes.Equal(got, want) {
		t.Error("array differs after the rerun")
	}
}

// runJobWithDrops runs job while the proxy keeps cutting every connection.
func runJobWithDrops(t *testing.T, ctx context.Context, dir, job string, p *proxy) *Report {
	t.Helper()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
				p.dropAfter.CompareAndSwap(0, 1)
			}
		}
	}()
	rep := runJob(t, ctx, dir, job, map[string]string{"URI": p.url()}, nil)
	close(stop)
	<-done
	return rep
}

const txJob = `version: 1
servers:
  store: {uri: "${URI}", max_message_size: 16KiB}
defaults: {server: store, dataspace: test/tx, retries: 0}
tasks:
  - name: mkds
    create_dataspace: {}
  - name: tx
    depends_on: [mkds]
    transaction:
      tasks:
        - name: objects
          put_objects: {files: ["in/*.xml"]}
        - name: up
          depends_on: [objects]
          upload_array: {file: a.npy, uri: "` + "eml:///dataspace('test/tx')/eml20.obj_EpcExternalPartReference(" + epcUUID + ")" + `", path: /a}
        - name: late
          depends_on: [up]
          upload_array: {file: "${LATE}", uri: "` + "eml:///dataspace('test/tx')/eml20.obj_EpcExternalPartReference(" + epcUUID + ")" + `", path: /late}
`

// TestTransactions: a group whose tasks all succeed is committed; one whose
// last task fails is rolled back and leaves nothing in the store.
func TestTransactions(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, c := range []struct {
		name    string
		late    string
		status  string
		visible bool
	}{
		{"commit", "a.npy", StatusOK, true},
		{"rollback", "bad.npy", StatusFailed, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			url, _ := startServer(t, nil)
			dir := t.TempDir()
			copyInputs(t, dir)
			writeArray(t, filepath.Join(dir, "a.npy"), arrayfile.Int32, []int64{64, 64})
			// bad.npy is a uint64 array with a value an ETP long cannot hold.
			writeRaw(t, filepath.Join(dir, "bad.npy"), arrayfile.Uint64, []int64{4}, []uint64{1, 2, 1 << 63, 4})
			rep := runJob(t, ctx, dir, txJob, map[string]string{"URI": url, "LATE": c.late}, nil)
			tx := wantStatus(t, rep, "tx", c.status)
			if c.status == StatusFailed {
				wantStatus(t, rep, "late", StatusFailed)
				if !strings.Contains(tx.Error, "rolled back") {
					t.Errorf("transaction error %q does not say it was rolled back", tx.Error)
				}
			}
			s, err := etp.Dial(ctx, url, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close(ctx)
			res, _, err := s.GetResources(ctx, etp.ContextInfo{URI: etp.DataspaceURI("test/tx"), Depth: 1}, etp.ContextScopeSelf, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(res) == 3; got != c.visible {
				t.Errorf("after %s: %d objects in the store, want visible=%v", c.name, len(res), c.visible)
			}
			_, err = s.GetDataArrayMetadata(ctx, map[string]etp.DataArrayIdentifier{"0": {URI: proxyURI("test/tx"), PathInResource: "/a"}})
			if (err == nil) != c.visible {
				t.Errorf("after %s: array /a metadata error %v, want visible=%v", c.name, err, c.visible)
			}
		})
	}
}

// writeRaw overwrites path with an .npy of the given uint64 values.
func writeRaw(t *testing.T, path string, d arrayfile.DType, shape []int64, vals []uint64) {
	t.Helper()
	b := make([]byte, 0, len(vals)*8)
	for _, v := range vals {
		for j := range 8 {
			b = append(b, byte(v>>(8*j)))
		}
	}
	w, err := arrayfile.Create(path, arrayfile.Info{Format: arrayfile.FormatNPY, DType: d, Shape: shape}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.WriteBlock([]int64{0}, shape, b); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}

// TestShardsCoverJobOnce runs the shards of a job one after the other, as
// the workers of a Kubernetes Indexed Job would, and checks that together
// they ran every task exactly once.
func TestShardsCoverJobOnce(t *testing.T) {
	url, _ := startServer(t, nil)
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("version: 1\nservers:\n  store: {uri: \"${URI}\"}\ndefaults: {server: store, retries: 0}\ntasks:\n")
	for i := range 7 {
		fmt.Fprintf(&b, "  - name: ds%d\n    create_dataspace: {dataspace: shard/%d}\n", i, i)
		if i%2 == 0 {
			fmt.Fprintf(&b, "  - name: rm%d\n    depends_on: [ds%d]\n    delete_dataspace: {dataspace: shard/%d}\n", i, i, i)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const n = 3
	seen := map[string]int{}
	for i := range n {
		rep := runJob(t, ctx, dir, b.String(), map[string]string{"URI": url}, &Options{ShardIndex: i, ShardCount: n})
		if rep.Status != StatusOK {
			t.Fatalf("shard %d: %s", i, rep.Status)
		}
		for _, tr := range rep.Tasks {
			seen[tr.Name]++
		}
	}
	if len(seen) != 11 {
		t.Errorf("the shards ran %d distinct tasks, want 11: %v", len(seen), seen)
	}
	for name, k := range seen {
		if k != 1 {
			t.Errorf("task %s ran %d times", name, k)
		}
	}
	s, err := etp.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	spaces, err := s.GetDataspaces(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, d := range spaces {
		if strings.HasPrefix(d.Path, "shard/") {
			paths = append(paths, d.Path)
		}
	}
	sort.Strings(paths)
	if fmt.Sprint(paths) != "[shard/1 shard/3 shard/5]" {
		t.Errorf("dataspaces after the sharded run: %v, want shard/1 shard/3 shard/5", paths)
	}
}

// TestCancelRollsBack cancels the run (as SIGTERM does) while a
// transaction's upload is in flight: the run reports interrupted, and the
// transaction's writes are not in the store.
func TestCancelRollsBack(t *testing.T) {
	url, _ := startServer(t, &server.Options{})
	dir := t.TempDir()
	copyInputs(t, dir)
	writeArray(t, filepath.Join(dir, "a.npy"), arrayfile.Float64, []int64{2000, 500}) // 8 MB in 16 KiB messages
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	runCtx, stop := context.WithCancel(ctx)
	prog := &cancelAfter{n: 64 << 10, cancel: stop}
	rep := runJob(t, runCtx, dir, txJob, map[string]string{"URI": url, "LATE": "a.npy"}, &Options{Progress: prog})
	if rep.Status != "interrupted" {
		t.Fatalf("status %s, want interrupted", rep.Status)
	}
	wantStatus(t, rep, "tx", StatusCancelled)
	s, err := etp.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	res, _, err := s.GetResources(ctx, etp.ContextInfo{URI: etp.DataspaceURI("test/tx"), Depth: 1}, etp.ContextScopeSelf, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 0 {
		t.Errorf("%d objects visible after the interrupted transaction, want 0", len(res))
	}
}

// cancelAfter cancels the run once n bytes of arrays moved.
type cancelAfter struct {
	n      int64
	cancel context.CancelFunc
	moved  atomic.Int64
}

func (c *cancelAfter) Start(string, int64) (func(int64), func(bool)) {
	return func(n int64) {
		if c.moved.Add(n) >= c.n {
			c.cancel()
		}
	}, func(bool) {}
}

// TestLockFile: a second run of a job while the first holds its lock file
// fails at once.
func TestLockFile(t *testing.T) {
	dir := t.TempDir()
	lock := filepath.Join(dir, "job.lock")
	unlock, err := lockFile(lock)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	_, err = lockFile(lock)
	if err == nil || !strings.Contains(err.Error(), "another run of this job is in progress") {
		t.Fatalf("second lock: %v, want another run in progress", err)
	}
}

// TestTokenNeverShown runs a job against a server that requires a bearer
// token: with the right token it works; with a wrong one it fails with an
// authorization error, and the token appears in neither the report nor the
// logs.
func TestTokenNeverShown(t *testing.T) {
	const secret = "s3cr3t-token-value"
	url, _ := startServer(t, &server.Options{Token: secret})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	job := `version: 1
servers: {store: {uri: "${URI}", token_env: ETP_TOKEN}}
defaults: {server: store, retries: 0}
tasks:
  - {name: mk, create_dataspace: {dataspace: secure}}
`
	for _, c := range []struct {
		token, status string
	}{{secret, StatusOK}, {"wrong-" + secret, StatusFailed}} {
		var logs bytes.Buffer
		opts := &Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
		rep := runJob(t, ctx, t.TempDir(), job, map[string]string{"URI": url, "ETP_TOKEN": c.token}, opts)
		tr := wantStatus(t, rep, "mk", c.status)
		b, _ := json.Marshal(rep)
		if bytes.Contains(b, []byte(secret)) || bytes.Contains(logs.Bytes(), []byte(secret)) {
			t.Errorf("token %q appears in the report or the logs", c.token)
		}
		if c.status == StatusFailed && !strings.Contains(tr.Error, "401") {
			t.Errorf("wrong token: error %q does not say the server refused the authorization", tr.Error)
		}
	}
}
