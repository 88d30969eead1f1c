package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/etp-transfer/etp-transfer/etp"
	"github.com/etp-transfer/etp-transfer/pipeline/epc"
	"github.com/etp-transfer/etp-transfer/pipeline/hdf5"
)

// TestResqmlRoundTrip runs examples/resqml-roundtrip.yaml (import an EPC +
// HDF5 model into the embedded store, export it back) and checks that the
// exported package holds the same objects, byte for byte, and the exported
// HDF5 file the same arrays, bit for bit.
func TestResqmlRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "examples"))); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(dir, "out"))
	job, err := os.ReadFile(filepath.Join(dir, "resqml-roundtrip.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep := runJob(t, ctx, dir, string(job), nil, nil)
	if rep.Status != StatusOK {
		var b bytes.Buffer
		rep.Summary(&b)
		t.Fatalf("run: %s", b.String())
	}
	if imp := taskStatus(rep, "import"); imp.Messages < 10 {
		t.Errorf("import sent %d messages; at 64 KiB the arrays must go as several blocks", imp.Messages)
	}
	in := openModel(t, filepath.Join(dir, "resqml", "model.epc"))
	out := openModel(t, filepath.Join(dir, "out", "exported.epc"))
	if len(out.objects) != len(in.objects) || len(in.objects) != 5 {
		t.Fatalf("exported %d objects, imported %d, want 5", len(out.objects), len(in.objects))
	}
	for uuid, data := range in.objects {
		if !bytes.Equal(out.objects[uuid], data) {
			t.Errorf("object %s differs after the round trip", uuid)
		}
	}
	if len(in.arrays) != 3 {
		t.Fatalf("model has %d arrays, want 3", len(in.arrays))
	}
	for path, a := range in.arrays {
		b, ok := out.arrays[path]
		if !ok {
			t.Errorf("array %s missing from the exported HDF5 file", path)
			continue
		}
		if a.info != b.info || !bytes.Equal(a.data, b.data) {
			t.Errorf("array %s differs after the round trip: %s vs %s", path, a.info, b.info)
		}
	}
}

type model struct {
	objects map[string][]byte
	arrays  map[string]struct {
		info string
		data []byte
	}
}

// openModel reads every object of a package and every array it refers to.
func openModel(t *testing.T, path string) model {
	t.Helper()
	pkg, err := epc.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pkg.Close()
	m := model{objects: map[string][]byte{}, arrays: map[string]struct {
		info string
		data []byte
	}{}}
	for _, o := range pkg.Objects() {
		data, err := pkg.Read(o)
		if err != nil {
			t.Fatal(err)
		}
		m.objects[o.UUID] = data
		for _, a := range o.Arrays {
			file, err := pkg.ArrayFile(a)
			if err != nil {
				t.Fatal(err)
			}
			h, err := hdf5.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			d, err := h.Dataset(a.Path)
			if err != nil {
				t.Fatal(err)
			}
			info := d.Info()
			buf := make([]byte, info.Elements()*int64(info.DType.Size()))
			if err := d.ReadBlock(make([]int64, len(info.Shape)), info.Shape, buf); err != nil {
				t.Fatal(err)
			}
			m.arrays[a.Path] = struct {
				info string
				data []byte
			}{fmt.Sprint(info.DType, info.Shape), buf}
			h.Close()
		}
	}
	return m
}

// TestImportChecksReferences: a package whose grid refers to a CRS it does
// not hold, and whose property's HDF5 dataset is missing, fails before
// anything is written.
func TestImportChecksReferences(t *testing.T) {
	url, _ := startServer(t, nil)
	dir := t.TempDir()
	copyInputs(t, dir)
	h, err := hdf5.Create(filepath.Join(dir, "broken.h5"))
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	w, err := epc.Create(filepath.Join(dir, "broken.epc"), &epc.WriterOptions{ExternalFile: "broken.h5"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"epc.xml", "grid.xml"} { // no crs.xml
		b, _ := os.ReadFile(filepath.Join(dir, "in", f))
		if _, err := w.Add(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep := runJob(t, ctx, dir, `version: 1
servers: {store: {uri: "${URI}"}}
defaults: {server: store, dataspace: broken}
tasks:
  - name: mk
    create_dataspace: {}
  - name: import
    depends_on: [mk]
    import_epc: {file: broken.epc}
`, map[string]string{"URI": url}, nil)
	imp := wantStatus(t, rep, "import", StatusFailed)
	for _, want := range []string{"nothing was written", "obj_LocalDepth3dCrs", "zvalues"} {
		if !bytes.Contains([]byte(imp.Error), []byte(want)) {
			t.Errorf("import error %q does not mention %q", imp.Error, want)
		}
	}
	if imp.Attempts != 1 {
		t.Errorf("a broken package was tried %d times; it is not a transient error", imp.Attempts)
	}
	s, err := etp.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	res, _, err := s.GetResources(ctx, etp.ContextInfo{URI: etp.DataspaceURI("broken"), Depth: 1}, etp.ContextScopeSelf, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 0 {
		t.Errorf("%d objects were written by the failed import", len(res))
	}
}
