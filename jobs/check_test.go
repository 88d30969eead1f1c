package jobs

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	ref := `"` + testRef + `"`
	files := fstest.MapFS{
		"data/a.xml":   {Data: []byte("<a/>")},
		"data/b.xml":   {Data: []byte("<b/>")},
		"data/sub.d":   {Mode: 0o755 | os.ModeDir},
		"data/z.npy":   {Data: make([]byte, 128)},
		"data/z.bin":   {Data: make([]byte, 2*3*8)},
		"certs/ca.pem": {Data: []byte("pem")},
		"secrets/tok":  {Data: []byte("t")},
		"out/dir.npy":  {Mode: 0o755 | os.ModeDir},
		"out/dir2":     {Mode: 0o755 | os.ModeDir},
		"out/file":     {Data: []byte("x")},
		"store":        {Data: []byte("not a dir")},
		"data/m.epc":   {Data: []byte("PK")},
		"data/m.h5":    {Data: []byte("HDF")},
		"out/x.h5":     {Mode: 0o755 | os.ModeDir},
	}
	env := mapEnv(map[string]string{"ETP_TOKEN": "tok", "BLANK": " "})
	tests := []struct {
		name string
		job  string
		want string // full error text; "" for no error
	}{
		{
			name: "everything present",
			job: `servers:
  prod: {uri: 'wss://h', token_env: ETP_TOKEN, ca_file: certs/ca.pem}
  stage: {uri: 'ws://h', token_file: secrets/tok}
tasks:
  - {name: put, server: prod, put_objects: {files: ["data/*.xml"]}}
  - {name: up, server: stage, upload_array: {file: data/z.npy, uri: ` + ref + `, path: /a}}
  - {name: raw, upload_array: {file: data/z.bin, dtype: float64, shape: [2, 3], uri: ` + ref + `, path: /b}}
  - {name: down, download_array: {file: out/new/z.npy, uri: ` + ref + `, path: /a, verify_against: data/z.npy}}
  - {name: down2, depends_on: [down], download_array: {file: out/z2.npy, uri: ` + ref + `, path: /a, verify_against: out/new/z.npy}}
  - {name: get, get_objects: {types: [eml20.*], dir: out}}`,
		},
		{
			name: "unused servers are not checked",
			job: `servers:
  prod: {uri: 'wss://h', token_env: MISSING, ca_file: nope.pem}
tasks:
  - {name: ls, list: {}}`,
		},
		{
			name: "missing and wrong inputs",
			job: `servers:
  prod: {uri: 'wss://h', token_env: MISSING_TOKEN, ca_file: certs/none.pem}
  blank: {uri: 'wss://h', token_env: BLANK, token_file: ~}
  stage: {uri: 'ws://h', token_file: secrets}
tasks:
  - {name: put, server: prod, put_objects: {files: ["data/*.json", "data/s*"]}}
  - {name: up, server: stage, upload_array: {file: data/missing.npy, uri: ` + ref + `, path: /a}}
  - {name: raw, server: blank, upload_array: {file: data/z.bin, dtype: float32, shape: [2, 3], uri: ` + ref + `, path: /b}}
  - {name: down, download_array: {file: out/dir.npy, uri: ` + ref + `, path: /a, verify_against: data/nope.npy}}
  - {name: get, get_objects: {types: [eml20.*], dir: out/file}}
  - {name: ls, list: {output: out/dir2}}`,
			want: `test.yaml:2:37: servers.prod.token_env: environment variable MISSING_TOKEN is not set
test.yaml:2:61: servers.prod.ca_file: CA file "certs/none.pem" does not exist
test.yaml:3:38: servers.blank.token_env: environment variable BLANK is empty
test.yaml:4:38: servers.stage.token_file: token file "secrets" is not a regular file
test.yaml:6:53: tasks[0].put_objects.files[0]: pattern "data/*.json" matches no files
test.yaml:6:68: tasks[0].put_objects.files[1]: pattern "data/s*" matches a directory: "sub.d"
test.yaml:7:52: tasks[1].upload_array.file: array file "data/missing.npy" does not exist
test.yaml:8:53: tasks[2].upload_array.file: raw file "data/z.bin" has 48 bytes, but dtype float32 with shape [2 3] needs 24 bytes
test.yaml:9:41: tasks[3].download_array.file: output file "out/dir.npy" is an existing directory
test.yaml:9:197: tasks[3].download_array.verify_against: file "data/nope.npy" does not exist
test.yaml:10:54: tasks[4].get_objects.dir: directory "out/file" exists but is not a directory
test.yaml:11:31: tasks[5].list.output: output file "out/dir2" is an existing directory`,
		},
		{
			name: "paths outside the checked file system",
			job: `tasks:
  - {name: up, upload_array: {file: /abs/z.npy, uri: ` + ref + `, path: /a}}
  - {name: down, download_array: {file: ../out.npy, uri: ` + ref + `, path: /a}}
  - {name: put, put_objects: {files: ["../*.xml"]}}`,
			want: `test.yaml:2:37: tasks[0].upload_array.file: array file "/abs/z.npy" the path leaves the checked directory
test.yaml:3:41: tasks[1].download_array.file: output file "../out.npy": the path leaves the checked directory
test.yaml:4:39: tasks[2].put_objects.files[0]: pattern "../*.xml": the path leaves the checked directory`,
		},
		{
			name: "EPC inputs present, or written by another task",
			job: `tasks:
  - {name: imp, import_epc: {file: data/m.epc, hdf5: data/m.h5}}
  - {name: imp2, import_epc: {file: data/m.epc, hdf5: {` + testUUID + `: data/m.h5}}}
  - {name: exp, export_epc: {file: out/new/m.epc}}
  - {name: imp3, depends_on: [exp], import_epc: {file: out/new/m.epc, hdf5: out/new/m.h5}}`,
		},
		{
			name: "EPC inputs missing, outputs that are directories",
			job: `tasks:
  - {name: imp, import_epc: {file: data/none.epc, hdf5: data/sub.d}}
  - {name: imp2, import_epc: {file: data, hdf5: {` + testUUID + `: data/none.h5}}}
  - {name: exp, export_epc: {file: out/dir2, hdf5: out/dir.npy}}
  - {name: exp2, export_epc: {file: out/x.epc}}`,
			want: `test.yaml:2:36: tasks[0].import_epc.file: EPC file "data/none.epc" does not exist
test.yaml:2:57: tasks[0].import_epc.hdf5: HDF5 file "data/sub.d" is not a regular file
test.yaml:3:37: tasks[1].import_epc.file: EPC file "data" is not a regular file
test.yaml:3:88: tasks[1].import_epc.hdf5.` + testUUID + `: HDF5 file "data/none.h5" does not exist
test.yaml:4:36: tasks[2].export_epc.file: output file "out/dir2" is an existing directory
test.yaml:4:52: tasks[2].export_epc.hdf5: output file "out/dir.npy" is an existing directory
test.yaml:5:37: tasks[3].export_epc.file: output file "out/x.h5" is an existing directory`,
		},
		{
			name: "nested transaction tasks and the embedded data_dir",
			job: `servers:
  embedded: {data_dir: store}
tasks:
  - name: tx
    transaction:
      tasks:
        - {name: up, upload_array: {file: data/none.npy, uri: ` + ref + `, path: /a}}`,
			want: `test.yaml:2:24: servers.embedded.data_dir: directory "store" exists but is not a directory
test.yaml:7:43: tasks[0].transaction.tasks[0].upload_array.file: array file "data/none.npy" does not exist`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			j := parseString(t, "version: 1\ndefaults: {dataspace: demo/quickstart}\n"+tc.job, nil)
			err := j.Check(&CheckOptions{FS: files, LookupEnv: env})
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Check returned %v, want a *ValidationError", err)
			}
			// The job text above starts after two prepended lines.
			want := shiftLines(tc.want, 2)
			if got := err.Error(); got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// shiftLines adds n to the line number of every "test.yaml:L:C:" prefix.
func shiftLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		rest, ok := strings.CutPrefix(l, "test.yaml:")
		if !ok {
			continue
		}
		num, tail, _ := strings.Cut(rest, ":")
		x, err := strconv.Atoi(num)
		if err != nil {
			continue
		}
		lines[i] = "test.yaml:" + strconv.Itoa(x+n) + ":" + tail
	}
	return strings.Join(lines, "\n")
}

func TestCheckOperatingSystem(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "data"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "data", "a.xml"), []byte("<a/>"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "data", "z.bin"), make([]byte, 10), 0o644))
	job := `version: 1
defaults: {dataspace: demo/quickstart}
tasks:
  - {name: put, put_objects: {files: ["data/*.xml"]}}
  - {name: raw, upload_array: {file: data/z.bin, dtype: int16, shape: [5], uri: "` + testRef + `", path: /a}}
  - {name: missing, upload_array: {file: data/none.npy, uri: "` + testRef + `", path: /a}}
`
	name := filepath.Join(dir, "job.yaml")
	must(os.WriteFile(name, []byte(job), 0o644))
	j, err := ParseFile(name, &ParseOptions{LookupEnv: mapEnv(nil)})
	must(err)
	err = j.Check(nil)
	want := name + `:6:42: tasks[2].upload_array.file: array file "data/none.npy" does not exist`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}
