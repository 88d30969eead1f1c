package jobs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const (
	testUUID = "3ee0ef4f-7e54-4b4a-9aab-b1ee2a73d2e6"
	testRef  = "eml:///dataspace('demo/quickstart')/eml20.obj_EpcExternalPartReference(" + testUUID + ")"
)

var ignoreUnexported = cmpopts.IgnoreUnexported(Task{}, Server{})

func mapEnv(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func parseString(t *testing.T, text string, opts *ParseOptions) *Job {
	t.Helper()
	if opts == nil {
		opts = &ParseOptions{}
	}
	if opts.Name == "" {
		opts.Name = "test.yaml"
	}
	if opts.LookupEnv == nil {
		opts.LookupEnv = mapEnv(nil)
	}
	j, err := Parse(strings.NewReader(text), opts)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return j
}

func TestParseFullJob(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "valid", "full.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	base := "base"
	p := func(s string) string { return filepath.Join(base, filepath.FromSlash(s)) }
	job := parseString(t, string(data), &ParseOptions{Name: "full.yaml", Dir: base, LookupEnv: mapEnv(map[string]string{"REGION": "eu-west"})})
	pos := func(line, col int) Pos { return Pos{File: "full.yaml", Line: line, Column: col} }
	grid := "eml:///dataspace('demo/Volve')/resqml20.obj_Grid2dRepresentation(49e4c1e1-891c-11ee-a655-4da4d0f45a8a)"
	want := &Job{
		Version: 1,
		File:    "full.yaml",
		Dir:     base,
		Servers: map[string]*Server{
			"prod": {
				Name: "prod", Pos: pos(4, 3), URI: "wss://rddms.example.com/api/etp?x=eu-west", TokenEnv: "ETP_TOKEN",
				DataPartitionID: "opendes", CAFile: p("certs/ca.pem"), MaxMessageSize: 8 << 20, Compression: CompressionGzip,
				Sessions: 2, InFlight: 8, ConnectTimeout: 10 * time.Second, RequestTimeout: 2 * time.Minute,
			},
			"staging": {
				Name: "staging", Pos: pos(15, 3), URI: "ws://localhost:9002/", TokenFile: p("secrets/token"),
				MaxMessageSize: DefaultMaxMessageSize, Compression: CompressionNone, Sessions: 1, InFlight: 4,
				ConnectTimeout: 30 * time.Second, RequestTimeout: 5 * time.Minute,
			},
			"embedded": {
				Name: "embedded", Pos: pos(19, 3), Embedded: true, DataDir: p(".etp-data"), MaxMessageSize: 1000000,
				Compression: CompressionAuto, Sessions: 3, InFlight: 4, ConnectTimeout: 30 * time.Second, RequestTimeout: 5 * time.Minute,
			},
		},
		Concurrency: 2,
		LockFile:    p("run/job.lock"),
		Tasks: []*Task{
			{Name: "create-dataspace", Pos: pos(31, 5), Retries: 3, Timeout: 30 * time.Minute, Server: "embedded", Dataspace: "demo/quickstart",
				CreateDataspace: &CreateDataspace{IfExists: IfExistsFail, LegalTags: []string{"opendes-public"},
					OtherRelevantDataCountries: []string{"NO"}, Owners: []string{"owners@opendes.example.com"}, Viewers: []string{"viewers@opendes.example.com"}}},
			{Name: "put-objects", Pos: pos(38, 5), DependsOn: []string{"create-dataspace"}, Retries: 0, Timeout: 0, Server: "embedded", Dataspace: "demo/quickstart",
				PutObjects: &PutObjects{Files: []string{p("data/*.xml"), p("more/obj_?.xml")}}},
			{Name: "upload-z", Pos: pos(44, 5), DependsOn: []string{"put-objects"}, Retries: 3, Timeout: 30 * time.Minute, Server: "embedded", Dataspace: "demo/quickstart",
				UploadArray: &UploadArray{File: p("data/z.npy"), Format: FormatNpy, URI: testRef, Path: "/RESQML/" + testUUID + "/points_patch0"}},
			{Name: "upload-raw", Pos: pos(50, 5), DependsOn: []string{"put-objects"}, Retries: 3, Timeout: 30 * time.Minute, Server: "embedded", Dataspace: "demo/quickstart",
				UploadArray: &UploadArray{File: p("data/z.bin"), Format: FormatRaw, URI: testRef, Path: "/RESQML/" + testUUID + "/raw",
					DType: Int32, Shape: []int64{100, 200}, ByteOrder: BigEndian}},
			{Name: "download-z", Pos: pos(59, 5), DependsOn: []string{"upload-z"}, Retries: 3, Timeout: 30 * time.Minute, Server: "embedded", Dataspace: "demo/quickstart",
				DownloadArray: &DownloadArray{URI: testRef, Path: "/RESQML/" + testUUID + "/points_patch0", File: p("out/z.npy"), Format: FormatNpy, VerifyAgainst: p("data/z.npy")}},
			{Name: "download-raw", Pos: pos(66, 5), DependsOn: []string{"upload-raw"}, Retries: 3, Timeout: 30 * time.Minute, Server: "embedded", Dataspace: "demo/quickstart",
				DownloadArray: &DownloadArray{URI: testRef, Path: "/RESQML/" + testUUID + "/raw", File: p("out/z.dat"), Format: FormatRaw, ByteOrder: BigEndian}},
			{Name: "get-by-uri", Pos: pos(74, 5), Retries: 3, Timeout: 30 * time.Minute, Server: "prod", Dataspace: "demo/Volve",
				GetObjects: &GetObjects{URIs: []string{grid}, Dir: p("out/objects")}},
			{Name: "get-by-type", Pos: pos(81, 5), Retries: 3, Timeout: 30 * time.Minute, Server: "prod", Dataspace: "demo/quickstart",
				GetObjects: &GetObjects{Types: []string{"resqml20.obj_Grid2dRepresentation", "eml20.*"}, Dir: p("out/by-type")}},
			{Name: "list", Pos: pos(84, 5), Retries: 3, Timeout: 30 * time.Minute, Server: "embedded", Dataspace: "demo/quickstart",
				List: &List{Output: p("out/list.json"), Types: []string{"resqml20.*"}}},
			{Name: "list-all", Pos: pos(86, 5), Retries: 3, Timeout: 30 * time.Minute, Server: "embedded", Dataspace: "demo/quickstart",
				List: &List{}},
			{Name: "delete-objects", Pos: pos(88, 5), DependsOn: []string{"list"}, Retries: 3, Timeout: 30 * time.Minute, Server: "embedded", Dataspace: "demo/quickstart",
				DeleteObjects: &DeleteObjects{URIs: []string{"eml:///dataspace('demo/quickstart')/resqml20.obj_Grid2dRepresentation(uuid=49e4c1e1-891c-11ee-a655-4da4d0f45a8a,version='2')"}, PruneContainedObjects: true}},
			{Name: "copy", Pos: pos(93, 5), Retries: 3, Timeout: 30 * time.Minute, Server: "prod", Dataspace: "demo/Volve",
				Copy: &Copy{From: Endpoint{Server: "prod", Dataspace: "demo/Volve"}, To: Endpoint{Server: "embedded", Dataspace: "demo/copy"},
					Types: []string{"resqml20.*"}, Arrays: false}},
			{Name: "copy-uris", Pos: pos(99, 5), Retries: 3, Timeout: 30 * time.Minute, Server: "staging", Dataspace: "it's",
				Copy: &Copy{From: Endpoint{Server: "staging", Dataspace: "it's"}, To: Endpoint{Server: "prod", Dataspace: "demo/quickstart"},
					URIs: []string{"eml:///dataspace('it''s')/resqml20.obj_Grid2dRepresentation(49e4c1e1-891c-11ee-a655-4da4d0f45a8a)"}, Arrays: true}},
			{Name: "tx", Pos: pos(105, 5), DependsOn: []string{"delete-objects"}, Retries: 1, Timeout: 90 * time.Minute, Server: "embedded", Dataspace: "demo/quickstart",
				Transaction: &Transaction{Message: "nightly load", Tasks: []*Task{
					{Name: "tx-put", Pos: pos(112, 11), Server: "embedded", Dataspace: "demo/quickstart", InTransaction: "tx",
						PutObjects: &PutObjects{Files: []string{p("tx/*.xml")}}},
					{Name: "tx-upload", Pos: pos(114, 11), DependsOn: []string{"tx-put"}, Server: "embedded", Dataspace: "demo/quickstart", InTransaction: "tx",
						UploadArray: &UploadArray{File: p("tx/a.npy"), Format: FormatNpy, URI: testRef, Path: "/a"}},
				}}},
			{Name: "delete-dataspace", Pos: pos(120, 5), DependsOn: []string{"tx", "copy"}, Retries: 3, Timeout: 30 * time.Minute, Server: "embedded", Dataspace: "demo/old",
				DeleteDataspace: &DeleteDataspace{IfMissing: IfExistsFail}},
			{Name: "import-epc", Pos: pos(123, 5), DependsOn: []string{"create-dataspace"}, Retries: 3, Timeout: 30 * time.Minute, Server: "embedded", Dataspace: "demo/quickstart",
				ImportEPC: &ImportEPC{File: p("models/volve.epc"), HDF5ByProxy: map[string]string{testUUID: p("models/volve.h5")}}},
			{Name: "import-epc-one-hdf5", Pos: pos(131, 5), Retries: 3, Timeout: 30 * time.Minute, Server: "embedded", Dataspace: "demo/quickstart",
				ImportEPC: &ImportEPC{File: p("out/export.epc"), HDF5: p("out/arrays.h5"), Transaction: true, CheckReferences: true}},
			{Name: "export-epc", Pos: pos(133, 5), Retries: 3, Timeout: 30 * time.Minute, Server: "embedded", Dataspace: "demo/quickstart",
				ExportEPC: &ExportEPC{File: p("out/export.epc"), HDF5: p("out/arrays.h5"), Types: []string{"resqml20.*", "eml20.*"}}},
			{Name: "export-epc-uris", Pos: pos(139, 5), Retries: 3, Timeout: 30 * time.Minute, Server: "embedded", Dataspace: "demo/quickstart",
				ExportEPC: &ExportEPC{File: p("out/chosen.epc"), HDF5: p("out/chosen.h5"), IncludeReferenced: true,
					URIs: []string{"eml:///dataspace('demo/quickstart')/resqml20.obj_Grid2dRepresentation(49e4c1e1-891c-11ee-a655-4da4d0f45a8a)"}}},
		},
	}
	if diff := cmp.Diff(want, job, ignoreUnexported); diff != "" {
		t.Errorf("parsed job differs (-want +got):\n%s", diff)
	}
	kinds := map[string]bool{}
	var walk func([]*Task)
	walk = func(ts []*Task) {
		for _, tk := range ts {
			kinds[tk.Kind()] = true
			if tk.Transaction != nil {
				walk(tk.Transaction.Tasks)
			}
		}
	}
	walk(job.Tasks)
	for _, k := range actionKeys {
		if !kinds[k] {
			t.Errorf("full.yaml has no %s task: it must exercise every action", k)
		}
	}
}

func TestParseDefaultsAndShorthands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		env   map[string]string
		opts  ParseOptions
		job   string
		check func(t *testing.T, j *Job)
	}{
		{
			name: "minimal job gets every default",
			job:  "version: 1\ntasks:\n  - name: a\n    dataspace: demo\n    list:\n",
			check: func(t *testing.T, j *Job) {
				want := &Job{Version: 1, File: "test.yaml", Concurrency: DefaultConcurrency,
					Servers: map[string]*Server{EmbeddedServer: {Name: EmbeddedServer, Embedded: true, MaxMessageSize: DefaultMaxMessageSize,
						Compression: CompressionAuto, Sessions: 1, InFlight: 4, ConnectTimeout: DefaultConnectTimeout, RequestTimeout: DefaultRequestTimeout}},
					Tasks: []*Task{{Name: "a", Pos: Pos{File: "test.yaml", Line: 3, Column: 5}, Retries: DefaultRetries,
						Server: EmbeddedServer, Dataspace: "demo", List: &List{}}}}
				if diff := cmp.Diff(want, j, ignoreUnexported); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			},
		},
		{
			name: "single values stand for one-element lists",
			job:  "version: 1\ndefaults: {dataspace: d}\ntasks:\n  - {name: a, create_dataspace: }\n  - {name: b, depends_on: a, put_objects: {files: '*.xml'}}\n",
			check: func(t *testing.T, j *Job) {
				b := j.Task("b")
				if diff := cmp.Diff([]string{"a"}, b.DependsOn); diff != "" {
					t.Error(diff)
				}
				if diff := cmp.Diff([]string{"*.xml"}, b.PutObjects.Files); diff != "" {
					t.Error(diff)
				}
				if c := j.Task("a").CreateDataspace; c == nil || c.IfExists != IfExistsOK {
					t.Errorf("create_dataspace with no value: got %+v", c)
				}
			},
		},
		{
			name: "quoted numbers and booleans are accepted",
			job: "version: '1'\nconcurrency: \"3\"\nservers:\n  s: {uri: 'ws://h:1', sessions: '5'}\ntasks:\n" +
				"  - {name: a, server: s, delete_objects: {uris: [\"" + testRef + "\"], prune_contained_objects: 'TRUE'}}\n",
			check: func(t *testing.T, j *Job) {
				if j.Concurrency != 3 || j.Servers["s"].Sessions != 5 || !j.Task("a").DeleteObjects.PruneContainedObjects {
					t.Errorf("got concurrency %d, sessions %d, prune %v", j.Concurrency, j.Servers["s"].Sessions, j.Task("a").DeleteObjects.PruneContainedObjects)
				}
			},
		},
		{
			name: "dataspace comes from the URIs when nothing sets it",
			job: "version: 1\ntasks:\n  - name: a\n    download_array: {uri: \"" + testRef + "\", path: /p, file: a.npy}\n" +
				"  - name: b\n    delete_objects: {uris: [\"eml:///resqml20.obj_Grid2dRepresentation(" + testUUID + ")\"]}\n",
			check: func(t *testing.T, j *Job) {
				if got := j.Task("a").Dataspace; got != "demo/quickstart" {
					t.Errorf("a: dataspace %q", got)
				}
				if got := j.Task("b").Dataspace; got != "" {
					t.Errorf("b: dataspace %q, want the default dataspace", got)
				}
			},
		},
		{
			name: "format follows the file extension unless set",
			job: "version: 1\ndefaults: {dataspace: demo/quickstart}\ntasks:\n" +
				"  - {name: a, upload_array: {file: A.NPY, uri: \"" + testRef + "\", path: /a}}\n" +
				"  - {name: b, upload_array: {file: b.npy, format: raw, dtype: uint8, shape: [3], uri: \"" + testRef + "\", path: /b}}\n" +
				"  - {name: c, download_array: {file: c.bin, uri: \"" + testRef + "\", path: /c}}\n" +
				"  - {name: d, download_array: {file: d, format: npy, uri: \"" + testRef + "\", path: /d}}\n",
			check: func(t *testing.T, j *Job) {
				got := []any{j.Task("a").UploadArray.Format, j.Task("b").UploadArray.Format, j.Task("b").UploadArray.ByteOrder,
					j.Task("c").DownloadArray.Format, j.Task("c").DownloadArray.ByteOrder, j.Task("d").DownloadArray.Format, j.Task("d").DownloadArray.ByteOrder}
				want := []any{FormatNpy, FormatRaw, LittleEndian, FormatRaw, LittleEndian, FormatNpy, ByteOrder("")}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Error(diff)
				}
			},
		},
		{
			name: "copy endpoints default to the task's server and dataspace",
			job:  "version: 1\nservers: {prod: {uri: 'wss://h'}}\ndefaults: {server: prod, dataspace: a}\ntasks:\n  - {name: c, copy: {to: {server: embedded}}}\n",
			check: func(t *testing.T, j *Job) {
				c := j.Task("c").Copy
				want := &Copy{From: Endpoint{"prod", "a"}, To: Endpoint{"embedded", "a"}, Arrays: true}
				if diff := cmp.Diff(want, c); diff != "" {
					t.Error(diff)
				}
			},
		},
		{
			name: "EPC actions get their defaults",
			job: "version: 1\ndefaults: {dataspace: demo/quickstart}\ntasks:\n  - {name: i, import_epc: {file: m.epc}}\n" +
				"  - {name: j, import_epc: {file: m.epc, hdf5: [one.h5]}}\n  - {name: e, export_epc: {file: out/m.v2.epc}}\n" +
				"  - {name: u, dataspace: ~, export_epc: {file: u.epc, uris: [\"" + testRef + "\"]}}\n",
			check: func(t *testing.T, j *Job) {
				got := []any{j.Task("i").ImportEPC, j.Task("j").ImportEPC, j.Task("e").ExportEPC, j.Task("u").ExportEPC, j.Task("u").Dataspace}
				want := []any{
					&ImportEPC{File: "m.epc", Transaction: true, CheckReferences: true},
					&ImportEPC{File: "m.epc", HDF5: "one.h5", Transaction: true, CheckReferences: true},
					&ExportEPC{File: filepath.Join("out", "m.v2.epc"), HDF5: filepath.Join("out", "m.v2.h5"), IncludeReferenced: true},
					&ExportEPC{File: "u.epc", HDF5: "u.h5", URIs: []string{testRef}, IncludeReferenced: true},
					"demo/quickstart",
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Error(diff)
				}
			},
		},
		{
			name: "aliases and merge keys",
			job: "version: 1\nx-ref: &ref \"" + testRef + "\"\nx-common: &common {retries: 7, dataspace: demo/quickstart}\ntasks:\n" +
				"  - {<<: *common, name: a, retries: 1, download_array: {uri: *ref, path: /a, file: a.npy}}\n" +
				"  - {<<: [*common], name: b, download_array: {uri: *ref, path: /b, file: b.npy}}\n",
			check: func(t *testing.T, j *Job) {
				a, b := j.Task("a"), j.Task("b")
				if a.Retries != 1 || b.Retries != 7 || a.Dataspace != "demo/quickstart" || b.DownloadArray.URI != testRef {
					t.Errorf("a: retries %d, dataspace %q; b: retries %d, uri %q", a.Retries, a.Dataspace, b.Retries, b.DownloadArray.URI)
				}
			},
		},
		{
			name: "environment defaults, nesting and $$",
			env:  map[string]string{"DS": "demo/env", "EMPTY": "", "INNER": "in"},
			job: "version: 1\ntasks:\n  - name: a\n    dataspace: ${DS}\n    transaction:\n      message: \"${EMPTY:-fallback} ${UNSET:-${INNER}} $$5 ${UNSET:-a$$b}\"\n" +
				"      tasks: [{name: b, list: {output: '${OUT:-out}/l.json'}}]\n",
			check: func(t *testing.T, j *Job) {
				a := j.Task("a")
				if a.Dataspace != "demo/env" || a.Transaction.Message != "fallback in $5 a$b" || j.Task("b").List.Output != filepath.Join("out", "l.json") {
					t.Errorf("dataspace %q, message %q, output %q", a.Dataspace, a.Transaction.Message, j.Task("b").List.Output)
				}
			},
		},
		{
			name: "expanded text is never read as YAML",
			env:  map[string]string{"TAGS": "a: [b, c], d: {e: f}", "TAG": "x, y", "MSG": "m\n- y: [z"},
			job: "version: 1\ntasks:\n  - name: a\n    dataspace: demo\n    create_dataspace: {legal_tags: \"${TAGS}\", owners: [\"${TAG}\"]}\n" +
				"  - {name: b, dataspace: demo, transaction: {message: \"${MSG}\", tasks: [{name: c, list: {}}]}}\n",
			check: func(t *testing.T, j *Job) {
				if got := j.Task("b").Transaction.Message; got != "m\n- y: [z" {
					t.Errorf("message %q", got)
				}
				c := j.Task("a").CreateDataspace
				if diff := cmp.Diff([]string{"a: [b, c], d: {e: f}"}, c.LegalTags); diff != "" {
					t.Error(diff)
				}
				if diff := cmp.Diff([]string{"x, y"}, c.Owners); diff != "" {
					t.Error(diff)
				}
			},
		},
		{
			name: "NoExpandEnv keeps dollars literally",
			opts: ParseOptions{NoExpandEnv: true},
			job:  "version: 1\ntasks:\n  - {name: a, dataspace: demo, transaction: {message: '${X} $$ $', tasks: [{name: b, list: {}}]}}\n",
			check: func(t *testing.T, j *Job) {
				if got := j.Task("a").Transaction.Message; got != "${X} $$ $" {
					t.Errorf("message %q", got)
				}
			},
		},
		{
			name: "Dir resolves relative paths, absolute ones stay",
			opts: ParseOptions{Dir: "jobdir"},
			job:  "version: 1\nlock_file: /var/lock/x\ntasks:\n  - {name: a, dataspace: d, list: {output: ../out/l.json}}\n",
			check: func(t *testing.T, j *Job) {
				if j.LockFile != filepath.FromSlash("/var/lock/x") || j.Task("a").List.Output != filepath.Join("out", "l.json") {
					t.Errorf("lock %q, output %q", j.LockFile, j.Task("a").List.Output)
				}
			},
		},
		{
			name: "task timeout 0 overrides the default",
			job:  "version: 1\ndefaults: {timeout: 1h, retries: 0, dataspace: d}\ntasks:\n  - {name: a, timeout: 0, list: {}}\n  - {name: b, list: {}}\n",
			check: func(t *testing.T, j *Job) {
				if j.Task("a").Timeout != 0 || j.Task("b").Timeout != time.Hour || j.Task("b").Retries != 0 {
					t.Errorf("a timeout %v, b timeout %v, b retries %d", j.Task("a").Timeout, j.Task("b").Timeout, j.Task("b").Retries)
				}
			},
		},
		{
			name: "sizes in every unit",
			job: "version: 1\nservers:\n  a: {uri: 'ws://h', max_message_size: 4096}\n  b: {uri: 'ws://h', max_message_size: 64KiB}\n" +
				"  c: {uri: 'ws://h', max_message_size: 1 MB}\n  d: {uri: 'ws://h', max_message_size: 1gib}\n  e: {uri: 'ws://h', max_message_size: 5kb}\n" +
				"tasks: [{name: a, dataspace: d, list: {}}]\n",
			check: func(t *testing.T, j *Job) {
				got := []int64{j.Servers["a"].MaxMessageSize, j.Servers["b"].MaxMessageSize, j.Servers["c"].MaxMessageSize, j.Servers["d"].MaxMessageSize, j.Servers["e"].MaxMessageSize}
				if diff := cmp.Diff([]int64{4096, 64 << 10, 1000000, 1 << 30, 5000}, got); diff != "" {
					t.Error(diff)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := tc.opts
			opts.LookupEnv = mapEnv(tc.env)
			tc.check(t, parseString(t, tc.job, &opts))
		})
	}
}

func TestParseFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	name := filepath.Join(dir, "job.yaml")
	text := "version: 1\ntasks:\n  - {name: a, dataspace: d, list: {output: out/l.json}}\n"
	if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	j, err := ParseFile(name, &ParseOptions{LookupEnv: mapEnv(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if j.File != name || j.Dir != dir || j.Task("a").List.Output != filepath.Join(dir, "out", "l.json") {
		t.Errorf("File %q, Dir %q, output %q", j.File, j.Dir, j.Task("a").List.Output)
	}

	_, err = ParseFile(filepath.Join(dir, "missing.yaml"), nil)
	var ve *ValidationError
	if !errors.Is(err, fs.ErrNotExist) || errors.As(err, &ve) {
		t.Errorf("missing file: got %v, want a wrapped fs.ErrNotExist", err)
	}

	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("version: 1\ntasks: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ParseFile(bad, nil)
	if !errors.As(err, &ve) || ve.Errors[0].File != bad {
		t.Errorf("invalid file: got %v, want a ValidationError naming %s", err, bad)
	}
}

func TestParseLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		job  string
		want string
	}{
		{"file too large", "version: 1\n#" + strings.Repeat("x", MaxJobSize), "larger than 8 MiB"},
		{"too many tasks", "version: 1\ndefaults: {dataspace: d}\ntasks:\n" + manyTasks(MaxTasks+1), "more than 10000 tasks"},
		{"alias explosion", "version: 1\nx-a: &a [" + strings.Repeat("x,", 3000) + "x]\nx-t: &t {name: t, dataspace: d, put_objects: {files: *a}}\n" +
			"tasks: [" + strings.Repeat("*t,", 1000) + "*t]\n", "the job is too large"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(strings.NewReader(tc.job), nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func manyTasks(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "  - {name: t%d, list: {}}\n", i)
	}
	return b.String()
}

func TestValidationErrorFormat(t *testing.T) {
	t.Parallel()
	ve := &ValidationError{Errors: []*FieldError{
		{File: "j.yaml", Line: 3, Column: 7, Path: "tasks[0].name", Msg: "bad"},
		{File: "j.yaml", Line: 9, Msg: "YAML syntax error: x"},
		{File: "j.yaml", Msg: "whole file"},
	}, Omitted: 2}
	want := "j.yaml:3:7: tasks[0].name: bad\nj.yaml:9: YAML syntax error: x\nj.yaml: whole file\n... and 2 more errors"
	if got := ve.Error(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	var fe *FieldError
	if !errors.As(error(ve), &fe) || fe.Line != 3 {
		t.Errorf("errors.As did not find the first FieldError: %v", fe)
	}
}
