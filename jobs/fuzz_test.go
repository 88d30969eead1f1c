package jobs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse: it must never panic, and a job it
// accepts must be internally consistent.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*", "*.yaml"))
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("version: 1\ntasks: [{name: a, dataspace: '${X:-d}', list: {}}]\n"))
	f.Add([]byte("version: 1\nx: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		j, err := Parse(strings.NewReader(string(data)), &ParseOptions{Name: "fuzz.yaml", LookupEnv: testEnv})
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error is %T, not *ValidationError: %v", err, err)
			}
			if len(ve.Errors) == 0 || len(ve.Errors) > MaxErrors {
				t.Fatalf("ValidationError with %d items", len(ve.Errors))
			}
			if strings.Contains(err.Error(), secretValue) && !strings.Contains(string(data), secretValue) {
				t.Fatalf("an expanded value leaked into: %v", err)
			}
			return
		}
		if len(j.Tasks) == 0 {
			t.Fatal("a valid job without tasks")
		}
		if _, err := j.Order(); err != nil {
			t.Fatalf("Order on a parsed job: %v", err)
		}
		all, err := j.Shard(0, 1)
		if err != nil || len(all) != len(j.Tasks) {
			t.Fatalf("Shard(0, 1) = %d tasks, %v; want %d", len(all), err, len(j.Tasks))
		}
		for _, tk := range j.Tasks {
			if tk.Kind() == "" {
				t.Fatalf("task %q has no action", tk.Name)
			}
			if j.Servers[tk.Server] == nil {
				t.Fatalf("task %q uses undefined server %q", tk.Name, tk.Server)
			}
		}
	})
}

// FuzzExpandEnv checks that expansion never panics and leaves text without "$" alone.
func FuzzExpandEnv(f *testing.F) {
	for _, s := range []string{"", "a", "${A}", "${A:-${B:-c}}", "$$", "${", "$"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := expandEnv(s, testEnv)
		if !strings.Contains(s, "$") && (err != nil || out != s) {
			t.Fatalf("expandEnv(%q) = %q, %v", s, out, err)
		}
	})
}
