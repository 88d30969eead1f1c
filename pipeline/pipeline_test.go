package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/etp-transfer/etp-transfer/etp"
	"github.com/etp-transfer/etp-transfer/etp/server"
	"github.com/etp-transfer/etp-transfer/pipeline/arrayfile"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const (
	epcUUID  = "0c3e8f21-7a4d-4b6e-8f19-2d7c5b4a3e90"
	gridUUID = "a7d2c9e4-5b81-4f3a-9c6d-1e0f2b3a4c58"
)

// copyInputs copies the quickstart's XML objects into dir/in.
func copyInputs(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "in"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"crs.xml", "epc.xml", "grid.xml"} {
		b, err := os.ReadFile(filepath.Join("..", "examples", "quickstart", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "in", f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func proxyURI(ds string) string {
	return fmt.Sprintf("eml:///dataspace('%s')/eml20.obj_EpcExternalPartReference(%s)", ds, epcUUID)
}

type arrayCase struct {
	name  string
	dtype arrayfile.DType
	shape []int64
}

// arrayCases covers every element type, 1-D to 4-D, one element, and shapes
// that do not divide into the blocks evenly.
var arrayCases = []arrayCase{
	{"f64-2d", arrayfile.Float64, []int64{37, 29}},
	{"f32-3d", arrayfile.Float32, []int64{5, 7, 11}},
	{"i8", arrayfile.Int8, []int64{3001}},
	{"u8-2d", arrayfile.Uint8, []int64{13, 17}},
	{"i16-4d", arrayfile.Int16, []int64{3, 4, 5, 6}},
	{"u16", arrayfile.Uint16, []int64{999}},
	{"i32-2d", arrayfile.Int32, []int64{41, 43}},
	{"u32", arrayfile.Uint32, []int64{1234}},
	{"i64-3d", arrayfile.Int64, []int64{2, 3, 200}},
	{"u64", arrayfile.Uint64, []int64{777}},
	{"bool-2d", arrayfile.Bool, []int64{50, 51}},
	{"one", arrayfile.Float64, []int64{1}},
	{"one-4d", arrayfile.Int32, []int64{1, 1, 1, 1}},
}

// TestEveryAction runs a job using every action against an embedded server
// over real sockets with a small message limit, so arrays move as many
// blocks, and checks the results on disk and in the store.
func TestEveryAction(t *testing.T) {
	for _, comp := range []string{"none", "gzip"} {
		t.Run(comp, func(t *testing.T) {
			testEveryAction(t, comp)
		})
	}
}

func testEveryAction(t *testing.T, compression string) {
	url, _ := startServer(t, &server.Options{MaxMessageSize: 8 << 10})
	dir := t.TempDir()
	copyInputs(t, dir)
	var b strings.Builder
	fmt.Fprintf(&b, `version: 1
servers:
  store:
    uri: ${URI}
    max_message_size: 8KiB
    compression: %s
    sessions: 2
defaults:
  server: store
  dataspace: test/a
  retries: 0
tasks:
  - name: mkds
    create_dataspace: {}
  - name: mkds-again
    depends_on: [mkds]
    create_dataspace: {}
  - name: mkds-b
    create_dataspace: {dataspace: test/b}
  - name: objects
    depends_on: [mkds]
    put_objects: {files: ["in/*.xml"]}
`, compression)
	want := map[string][]byte{}
	// The grid's Z values, which copy follows from the grid's XML.
	z := writeArray(t, filepath.Join(dir, "z.npy"), arrayfile.Float64, []int64{120, 150})
	fmt.Fprintf(&b, `  - name: up-z
    depends_on: [objects]
    upload_array: {file: z.npy, uri: "%s", path: /RESQML/%s/zvalues}
`, proxyURI("test/a"), gridUUID)
	ups := []string{"up-z"}
	for _, c := range arrayCases {
		want[c.name] = writeArray(t, filepath.Join(dir, c.name+".npy"), c.dtype, c.shape)
		fmt.Fprintf(&b, `  - name: up-%[1]s
    depends_on: [objects]
    upload_array: {file: %[1]s.npy, uri: "%[2]s", path: /arrays/%[1]s}
  - name: down-%[1]s
    depends_on: [up-%[1]s]
    download_array: {file: out/%[1]s.npy, uri: "%[2]s", path: /arrays/%[1]s, verify_against: %[1]s.npy}
`, c.name, proxyURI("test/a"))
		ups = append(ups, "up-"+c.name)
	}
	fmt.Fprintf(&b, `  - name: list
    depends_on: [%[1]s]
    list: {output: out/list.json}
  - name: get-grid
    depends_on: [objects]
    get_objects: {types: [resqml20.obj_Grid2dRepresentation], dir: out/objects}
  - name: copy
    depends_on: [%[1]s, mkds-b]
    copy: {to: {dataspace: test/b}}
  - name: down-copied
    depends_on: [copy]
    dataspace: test/b
    download_array: {file: out/copied.npy, uri: "%[2]s", path: /RESQML/%[3]s/zvalues}
  - name: delete-grid
    depends_on: [get-grid, copy, list]
    delete_objects: {uris: ["eml:///dataspace('test/a')/resqml20.obj_Grid2dRepresentation(%[3]s)"]}
  - name: rmds-b
    depends_on: [down-copied]
    delete_dataspace: {dataspace: test/b}
`, strings.Join(ups, ", "), proxyURI("test/b"), gridUUID)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep := runJob(t, ctx, dir, b.String(), map[string]string{"URI": url}, nil)
	if rep.Status != StatusOK {
		var buf bytes.Buffer
		rep.Summary(&buf)
		t.Fatalf("run status %s:\n%s", rep.Status, buf.String())
	}
	for _, c := range arrayCases {
		info, got := readArray(t, filepath.Join(dir, "out", c.name+".npy"))
		if info.DType != c.dtype || fmt.Sprint(info.Shape) != fmt.Sprint(c.shape) {
			t.Errorf("%s: downloaded %v %v, want %v %v", c.name, info.DType, info.Shape, c.dtype, c.shape)
		}
		if !bytes.Equal(got, want[c.name]) {
			t.Errorf("%s: downloaded array differs from the uploaded one", c.name)
		}
		if up := wantStatus(t, rep, "up-"+c.name, StatusOK); up.Bytes != int64(len(want[c.name])) {
			t.Errorf("%s: report says %d bytes uploaded, want %d", c.name, up.Bytes, len(want[c.name]))
		}
	}
	if tr := wantStatus(t, rep, "up-f64-2d", StatusOK); tr.Messages < 3 {
		t.Errorf("up-f64-2d went in %d messages; at 8 KiB it needs several blocks", tr.Messages)
	}
	_, copied := readArray(t, filepath.Join(dir, "out", "copied.npy"))
	if !bytes.Equal(copied, z) {
		t.Error("the array copied to test/b differs from the original")
	}
	var listed []struct{ URI string }
	lb, err := os.ReadFile(filepath.Join(dir, "out", "list.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(lb, &listed); err != nil {
		t.Fatal(err)
	}
	if len(listed) != 3 {
		t.Errorf("list found %d objects, want 3: %s", len(listed), lb)
	}
	grid, err := os.ReadFile(filepath.Join(dir, "out", "objects", "resqml20.obj_Grid2dRepresentation."+gridUUID+".xml"))
	if err != nil {
		t.Fatal(err)
	}
	orig, _ := os.ReadFile(filepath.Join(dir, "in", "grid.xml"))
	if !bytes.Equal(grid, orig) {
		t.Error("the fetched grid object differs from the stored one")
	}

	// What the store holds now: the grid deleted from test/a, test/b gone.
	s, err := etp.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	spaces, err := s.GetDataspaces(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range spaces {
		if d.Path == "test/b" {
			t.Error("dataspace test/b still exists after delete_dataspace")
		}
	}
	res, err := s.GetDataObjects(ctx, map[string]string{"g": "eml:///dataspace('test/a')/resqml20.obj_Grid2dRepresentation(" + gridUUID + ")"})
	if etp.CodeOf(err) != etp.ENotFound || len(res.Success) != 0 {
		t.Errorf("grid after delete_objects: %v, %v; want ENOT_FOUND", res, err)
	}
}

// TestQuickstart runs the README's quickstart job (in a copy, so the
// repository stays clean) and checks every task succeeded.
func TestQuickstart(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "examples"))); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(dir, "out"))
	job, err := os.ReadFile(filepath.Join(dir, "quickstart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep := runJob(t, ctx, dir, string(job), nil, nil)
	for _, tr := range rep.Tasks {
		if tr.Status != StatusOK {
			t.Errorf("task %s: %s: %s", tr.Name, tr.Status, tr.Error)
		}
	}
	if tr := taskStatus(rep, "upload-zvalues"); tr != nil && tr.Messages < 3 {
		t.Errorf("the quickstart upload went in %d messages; it should show subarrays", tr.Messages)
	}
}

// TestListTruncated: a store that cuts listings at its MaxResponseCount makes
// list report what came with a warning, while get_objects by type, which
// would silently miss objects, fails and says why.
func TestListTruncated(t *testing.T) {
	url, _ := startServer(t, &server.Options{MaxResponseCount: 2})
	dir := t.TempDir()
	copyInputs(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep := runJob(t, ctx, dir, `version: 1
servers: {store: {uri: "${URI}"}}
defaults: {server: store, dataspace: cut, retries: 0}
tasks:
  - {name: mk, create_dataspace: {}}
  - {name: put, depends_on: [mk], put_objects: {files: ["in/*.xml"]}}
  - {name: ls, depends_on: [put], list: {}}
  - {name: get, depends_on: [put], get_objects: {types: ["resqml20.*", "eml20.*"], dir: out}}
`, map[string]string{"URI": url}, nil)
	ls := wantStatus(t, rep, "ls", StatusOK)
	if ls.Objects != 2 || len(ls.Warnings) != 1 || !strings.Contains(ls.Warnings[0], "first 2 resources") {
		t.Errorf("list: %d objects, warnings %q; want 2 and a truncation warning", ls.Objects, ls.Warnings)
	}
	get := wantStatus(t, rep, "get", StatusFailed)
	if !strings.Contains(get.Error, "ERESPONSECOUNT_EXCEEDED") {
		t.Errorf("get_objects error %q does not say the listing was cut", get.Error)
	}
}
