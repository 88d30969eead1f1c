package jobs_test

import (
	"fmt"
	"log"
	"strings"

	"github.com/etp-transfer/etp-transfer/jobs"
)

const quickstart = `version: 1
defaults:
  dataspace: demo/quickstart
tasks:
  - name: create-dataspace
    create_dataspace: {}
  - name: put-objects
    depends_on: [create-dataspace]
    put_objects:
      files: ["data/*.xml"]
  - name: upload-z
    depends_on: [put-objects]
    upload_array:
      file: data/z.npy
      uri: "eml:///dataspace('demo/quickstart')/eml20.obj_EpcExternalPartReference(3ee0ef4f-7e54-4b4a-9aab-b1ee2a73d2e6)"
      path: /RESQML/3ee0ef4f-7e54-4b4a-9aab-b1ee2a73d2e6/points_patch0
  - name: download-z
    depends_on: [upload-z]
    download_array:
      uri: "eml:///dataspace('demo/quickstart')/eml20.obj_EpcExternalPartReference(3ee0ef4f-7e54-4b4a-9aab-b1ee2a73d2e6)"
      path: /RESQML/3ee0ef4f-7e54-4b4a-9aab-b1ee2a73d2e6/points_patch0
      file: out/z.npy
      verify_against: data/z.npy
`

// The first job of the package documentation, in dependency order.
func ExampleParse() {
	job, err := jobs.Parse(strings.NewReader(quickstart), &jobs.ParseOptions{Name: "quickstart.yaml"})
	if err != nil {
		log.Fatal(err)
	}
	levels, err := job.Order()
	if err != nil {
		log.Fatal(err)
	}
	for i, level := range levels {
		for _, t := range level {
			fmt.Printf("%d %s %s on %s, dataspace %s, %d retries\n", i, t.Name, t.Kind(), t.Server, t.Dataspace, t.Retries)
		}
	}
	// Output:
	// 0 create-dataspace create_dataspace on embedded, dataspace demo/quickstart, 2 retries
	// 1 put-objects put_objects on embedded, dataspace demo/quickstart, 2 retries
	// 2 upload-z upload_array on embedded, dataspace demo/quickstart, 2 retries
	// 3 download-z download_array on embedded, dataspace demo/quickstart, 2 retries
}

// Errors name the file, line, column and the offending value.
func ExampleValidationError() {
	const bad = `version: 1
defaults: {dataspace: demo}
tasks:
  - name: upload
    upload_array:
      file: z.bin
      dtype: flaot64
      shape: [100, 0]
      uri: "eml:///dataspace('demo')/eml20.obj_EpcExternalPartReference(3ee0ef4f)"
      path: RESQML/z
  - name: check
    depends_on: [uplaod]
    lst: {}
`
	_, err := jobs.Parse(strings.NewReader(bad), &jobs.ParseOptions{Name: "job.yaml"})
	fmt.Println(err)
	// Output:
	// job.yaml:7:14: tasks[0].upload_array.dtype: unknown dtype "flaot64" (did you mean "float64"?): use one of bool, int8, uint8, int16, uint16, int32, uint32, int64, uint64, float32, float64
	// job.yaml:8:20: tasks[0].upload_array.shape[1]: dimension "0": must be a whole number of at least 1
	// job.yaml:9:12: tasks[0].upload_array.uri: "eml:///dataspace('demo')/eml20.obj_EpcExternalPartReference(...": "3ee0ef4f" is not a UUID (8-4-4-4-12 hexadecimal digits)
	// job.yaml:10:13: tasks[0].upload_array.path: "RESQML/z" must start with "/", e.g. /RESQML/<uuid>/points_patch0
	// job.yaml:12:18: tasks[1].depends_on[0]: unknown task "uplaod" (did you mean "upload"?)
	// job.yaml:13:5: tasks[1].lst: unknown key "lst" (did you mean "list"?)
}

// Merge keys and x- keys let tasks share settings.
func ExampleJob_Shard() {
	const job = `version: 1
servers:
  prod: {uri: "wss://rddms.example.com/api/etp", token_env: ETP_TOKEN}
x-prod: &prod {server: prod, dataspace: demo/Volve, retries: 5}
tasks:
  - {<<: *prod, name: list-a, list: {output: out/a.json}}
  - {<<: *prod, name: list-b, list: {output: out/b.json}}
  - {<<: *prod, name: get-grids, get_objects: {types: [resqml20.obj_Grid2dRepresentation], dir: out/grids}}
  - {<<: *prod, name: get-wells, depends_on: [get-grids], get_objects: {types: [witsml21.Well], dir: out/wells}}
`
	j, err := jobs.Parse(strings.NewReader(job), nil)
	if err != nil {
		log.Fatal(err)
	}
	for i := range 2 {
		shard, err := j.Shard(i, 2)
		if err != nil {
			log.Fatal(err)
		}
		for _, t := range shard {
			fmt.Printf("worker %d: %s (%s, %s, %d retries)\n", i, t.Name, t.Server, t.Dataspace, t.Retries)
		}
	}
	// Output:
	// worker 0: get-grids (prod, demo/Volve, 5 retries)
	// worker 0: get-wells (prod, demo/Volve, 5 retries)
	// worker 1: list-a (prod, demo/Volve, 5 retries)
	// worker 1: list-b (prod, demo/Volve, 5 retries)
}
