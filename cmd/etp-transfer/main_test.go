package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/etp-transfer/etp-transfer/etp"
	"github.com/etp-transfer/etp-transfer/etp/server"
	"github.com/etp-transfer/etp-transfer/pipeline"
	"github.com/etp-transfer/etp-transfer/pipeline/arrayfile"
)

// TestMain lets the test binary act as the etp-transfer command when
// ETP_TRANSFER_AS_MAIN is set, so tests can run it as a real process and
// send it signals.
func TestMain(m *testing.M) {
	if os.Getenv("ETP_TRANSFER_AS_MAIN") == "1" {
		os.Exit(Main(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// cli runs the command in-process and returns its exit code and output.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code := Main(ctx, args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// quickstartCopy copies examples/ into a temporary directory and returns
// the job's path there.
func quickstartCopy(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "..", "examples"))); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(dir, "out"))
	return filepath.Join(dir, "quickstart.yaml")
}

func TestRunQuickstart(t *testing.T) {
	job := quickstartCopy(t)
	report := filepath.Join(t.TempDir(), "report.json")
	code, out, errOut := cli(t, "run", "-report", report, "-log-level", "warn", job)
	if code != ExitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "ok in") || !strings.Contains(out, "upload-zvalues") {
		t.Errorf("summary does not show the run:\n%s", out)
	}
	var rep pipeline.Report
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Status != "ok" || len(rep.Tasks) != 6 {
		t.Errorf("report: status %s with %d tasks, want ok with 6", rep.Status, len(rep.Tasks))
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(job), "out", "zvalues.npy")); err != nil {
		t.Errorf("downloaded array missing: %v", err)
	}
}

func TestValidate(t *testing.T) {
	job := quickstartCopy(t)
	if code, out, errOut := cli(t, "validate", job); code != ExitOK || !strings.Contains(out, "ok, 6 tasks") {
		t.Fatalf("valid job: exit %d, %q %q", code, out, errOut)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("version: 1\ntasks:\n  - name: a\n    create_dataspace: {dataspac: x}\n"), 0o644)
	code, _, errOut := cli(t, "validate", bad)
	if code != ExitUsage {
		t.Errorf("invalid job: exit %d, want %d", code, ExitUsage)
	}
	if !strings.Contains(errOut, "bad.yaml:4:24") || !strings.Contains(errOut, "dataspace") {
		t.Errorf("invalid job: the error does not name the place and suggest the key:\n%s", errOut)
	}
}

func TestPlan(t *testing.T) {
	code, out, errOut := cli(t, "plan", quickstartCopy(t))
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"step 1:", "create-dataspace", "float64 [120 150]", "PutDataSubarrays"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan output lacks %q:\n%s", want, out)
		}
	}
}

func TestPlanImport(t *testing.T) {
	job := filepath.Join(filepath.Dir(quickstartCopy(t)), "resqml-roundtrip.yaml")
	code, out, errOut := cli(t, "plan", job)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"5 data objects, 0 dangling references", "int32 [120 150]", "/zvalues float64 [120 150]", "blocks"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan output lacks %q:\n%s", want, out)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"run"}, {"run", "-shard", "3/2", "x.yaml"}, {"serve", "extra"}, {"bench", "-dtype", "complex128"},
		{"check", "-token-env", "A", "-token-file", "b", "ws://127.0.0.1:1/"}, {"serve", "-max-message-size", "1.5MiB"}} {
		if code, _, _ := cli(t, args...); code != ExitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, ExitUsage)
		}
	}
	if code, _, _ := cli(t, "run", "-h"); code != ExitOK {
		t.Errorf("run -h: exit %d, want 0", code)
	}
	if code, out, _ := cli(t, "version"); code != ExitOK || !strings.HasPrefix(out, "etp-transfer ") {
		t.Errorf("version: exit %d, %q", code, out)
	}
}

func TestShardFromEnvironment(t *testing.T) {
	env := map[string]string{"JOB_COMPLETION_INDEX": "2", "ETP_TRANSFER_SHARDS": "5"}
	i, n, err := parseShard("", func(k string) string { return env[k] })
	if err != nil || i != 2 || n != 5 {
		t.Errorf("from env: %d/%d, %v; want 2/5", i, n, err)
	}
	delete(env, "ETP_TRANSFER_SHARDS")
	if _, _, err := parseShard("", func(k string) string { return env[k] }); err == nil {
		t.Error("JOB_COMPLETION_INDEX without ETP_TRANSFER_SHARDS: want an error")
	}
	if i, n, err := parseShard("1/3", nil); err != nil || i != 1 || n != 3 {
		t.Errorf("-shard 1/3: %d/%d, %v", i, n, err)
	}
}

func TestCheck(t *testing.T) {
	srv, err := server.New(&server.Options{Logger: slog.New(slog.DiscardHandler), MaxMessageSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/"
	code, out, errOut := cli(t, "check", url)
	if code != ExitOK {
		t.Fatalf("check: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"message limit", "1048576 bytes", "DataArray", "MaxDataArraySize", "Transaction"} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	hs.Close()
	if code, _, _ := cli(t, "check", "-connect-timeout", "2s", url); code != ExitFailed {
		t.Errorf("check of a stopped server: exit %d, want %d", code, ExitFailed)
	}
}

// TestSIGTERM runs a job with a long upload as a real process, sends it
// SIGTERM mid-run, and checks the exit status and the report.
func TestSIGTERM(t *testing.T) {
	dir := t.TempDir()
	writeBig(t, filepath.Join(dir, "big.npy"))
	job := filepath.Join(dir, "job.yaml")
	os.WriteFile(job, []byte(`version: 1
servers:
  embedded: {max_message_size: 4KiB}
defaults: {dataspace: sig}
tasks:
  - name: mkds
    create_dataspace: {}
  - name: up
    depends_on: [mkds]
    upload_array: {file: big.npy, uri: "eml:///dataspace('sig')/eml20.obj_EpcExternalPartReference(0c3e8f21-7a4d-4b6e-8f19-2d7c5b4a3e90)", path: /big}
  - name: after
    depends_on: [up]
    list: {}
`), 0o644)
	report := filepath.Join(dir, "report.json")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "run", "-report", report, "-log-format", "json", job)
	cmd.Env = append(os.Environ(), "ETP_TRANSFER_AS_MAIN=1")
	stderr, _ := cmd.StderrPipe()
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if strings.Contains(sc.Text(), `"task":"up"`) && strings.Contains(sc.Text(), "task started") {
			break
		}
	}
	time.Sleep(20 * time.Millisecond) // the upload takes thousands of 4 KiB requests: well over 20 ms
	cmd.Process.Signal(syscall.SIGTERM)
	go io.Copy(io.Discard, stderr)
	err = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != ExitTerminated {
		t.Fatalf("exit %d (%v), want %d", code, err, ExitTerminated)
	}
	var rep pipeline.Report
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatalf("no report after SIGTERM: %v", err)
	}
	json.Unmarshal(b, &rep)
	if rep.Status != "interrupted" {
		t.Errorf("report status %q, want interrupted", rep.Status)
	}
	for _, tr := range rep.Tasks {
		if tr.Name == "after" && tr.Status != pipeline.StatusCancelled {
			t.Errorf("task after: %s, want cancelled", tr.Status)
		}
	}
}

// writeBig writes a 16 MiB float64 .npy: at 4 KiB per message, thousands of
// requests, so the upload is still running when the signal comes.
func writeBig(t *testing.T, path string) {
	t.Helper()
	shape := []int64{2048, 1024}
	w, err := arrayfile.Create(path, arrayfile.Info{Format: arrayfile.FormatNPY, DType: arrayfile.Float64, Shape: shape}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.WriteBlock([]int64{0, 0}, shape, make([]byte, 2048*1024*8)); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}

// TestSyntheticVerify: the bench's sink accepts the right data and catches
// a changed element and a block written at the wrong offset.
func TestSyntheticVerify(t *testing.T) {
	for _, d := range []arrayfile.DType{arrayfile.Float64, arrayfile.Int16, arrayfile.Bool} {
		shape := []int64{300, 1000}
		src := &synthetic{dtype: d, shape: shape}
		starts, counts := []int64{100, 0}, []int64{150, 1000}
		block := make([]byte, 150*1000*d.Size())
		src.ReadBlock(starts, counts, block)

		good := &synthetic{dtype: d, shape: shape}
		good.WriteBlock(starts, counts, block)
		if good.mismatch.Load() != 0 {
			t.Errorf("%v: correct block reported as a mismatch", d)
		}
		changed := &synthetic{dtype: d, shape: shape}
		bad := append([]byte(nil), block...)
		bad[len(bad)/2] ^= 1
		changed.WriteBlock(starts, counts, bad)
		if changed.mismatch.Load() != 1 {
			t.Errorf("%v: a changed element was not caught", d)
		}
		moved := &synthetic{dtype: d, shape: shape}
		moved.WriteBlock([]int64{101, 0}, counts, block)
		if moved.mismatch.Load() != 1 {
			t.Errorf("%v: a block at the wrong offset was not caught", d)
		}
	}
}

// TestServeProcess runs `serve` as a real process on a data dir: a client
// writes a dataspace, SIGTERM ends the server with CloseSession to the
// client and exit status 0, and a restarted server still has the dataspace.
func TestServeProcess(t *testing.T) {
	dir := t.TempDir()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	start := func() (*exec.Cmd, string) {
		cmd := exec.Command(exe, "serve", "-listen", "127.0.0.1:0", "-data-dir", dir, "-log-level", "warn")
		cmd.Env = append(os.Environ(), "ETP_TRANSFER_AS_MAIN=1")
		out, _ := cmd.StdoutPipe()
		cmd.Stderr = io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(out).ReadString('\n')
		url, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
		if err != nil || !ok {
			cmd.Process.Kill()
			t.Fatalf("serve printed %q: %v", line, err)
		}
		return cmd, url
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	cmd, url := start()
	s, err := etp.Dial(ctx, url, nil)
	if err != nil {
		cmd.Process.Kill()
		t.Fatal(err)
	}
	if _, err := s.PutDataspaces(ctx, map[string]etp.Dataspace{"0": {URI: etp.DataspaceURI("kept"), Path: "kept"}}); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.Done():
	case <-ctx.Done():
		t.Fatal("the session did not end after SIGTERM")
	}
	if err := s.Err(); err == nil || !strings.Contains(err.Error(), "CloseSession") {
		t.Errorf("session ended with %v; want the server's CloseSession", err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve after SIGTERM: %v, want exit 0", err)
	}
	s.Close(ctx)

	cmd, url = start()
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	s, err = etp.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	spaces, err := s.GetDataspaces(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range spaces {
		found = found || d.Path == "kept"
	}
	if !found {
		t.Errorf("dataspace lost across the restart: %v", spaces)
	}
}
