package jobs

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the .golden files under testdata")

// secretValue is the value of every variable testEnv sets; no message may show it.
const secretValue = "s3cr3t"

// testEnv is the environment golden tests see: a fixed map, never the process's.
func testEnv(name string) (string, bool) {
	switch name {
	case "ETP_TOKEN", "SECRET", "REGION":
		return secretValue, true
	case "EMPTY":
		return "", true
	}
	return "", false
}

// requiredErrorCases are the validation paths that must each keep a golden case.
var requiredErrorCases = []string{
	"unknown-key-root", "unknown-key-task", "unknown-key-action", "missing-version", "bad-version",
	"duplicate-task-name", "unknown-dependency", "cycle", "two-actions", "no-action", "bad-uri",
	"bad-duration", "bad-size", "unset-env", "bad-env-syntax", "bad-dtype", "bad-shape", "bad-enum",
	"bad-glob", "bad-array-path", "duplicate-key", "unknown-server", "bad-server", "dataspace-missing",
	"dataspace-mismatch", "transaction", "copy", "get-objects", "output-conflict", "yaml-syntax",
	"two-documents", "empty", "not-a-mapping", "tasks-missing", "wrong-kinds", "merge-key",
	"too-many-errors", "npy-with-dtype", "raw-needs-dtype-shape", "import-epc", "export-epc",
}

func TestParseErrorsGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "errors", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, f := range files {
		have[strings.TrimSuffix(filepath.Base(f), ".yaml")] = true
	}
	for _, c := range requiredErrorCases {
		if !have[c] {
			t.Errorf("golden case testdata/errors/%s.yaml is missing", c)
		}
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			job, err := Parse(bytes.NewReader(data), &ParseOptions{Name: name + ".yaml", LookupEnv: testEnv})
			if err == nil {
				t.Fatalf("Parse succeeded (%d tasks); want errors", len(job.Tasks))
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error is %T, want *ValidationError: %v", err, err)
			}
			for _, fe := range ve.Errors {
				if fe.File != name+".yaml" || fe.Line < 1 {
					t.Errorf("error without a position: %#v", fe)
				}
				if fe.Column < 1 && !strings.HasPrefix(fe.Msg, "YAML syntax error") {
					t.Errorf("error without a column: %v", fe)
				}
			}
			got := err.Error() + "\n"
			if strings.Contains(got, secretValue) {
				t.Errorf("an expanded value leaked into the message:\n%s", got)
			}
			golden := strings.TrimSuffix(file, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestParseErrorsGolden -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("errors differ from %s (run with -update to accept)\n--- got\n%s--- want\n%s", golden, got, want)
			}
		})
	}
}
