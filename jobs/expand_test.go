package jobs

import (
	"strings"
	"testing"
)

func TestExpandEnv(t *testing.T) {
	t.Parallel()
	env := mapEnv(map[string]string{"A": "alpha", "EMPTY": "", "YAML": "x: [y", "DOLLAR": "$B"})
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr string
	}{
		{name: "no dollar", in: "plain text {}", want: "plain text {}"},
		{name: "variable", in: "a-${A}-z", want: "a-alpha-z"},
		{name: "two variables", in: "${A}${A}", want: "alphaalpha"},
		{name: "empty variable", in: "[${EMPTY}]", want: "[]"},
		{name: "default when unset", in: "${NOPE:-dflt}", want: "dflt"},
		{name: "default when empty", in: "${EMPTY:-dflt}", want: "dflt"},
		{name: "value wins over default", in: "${A:-dflt}", want: "alpha"},
		{name: "empty default", in: "${NOPE:-}", want: ""},
		{name: "nested default", in: "${NOPE:-${A}}", want: "alpha"},
		{name: "deeply nested default", in: "${N1:-${N2:-${N3:-deep}}}", want: "deep"},
		{name: "unused default is not looked up", in: "${A:-${NOPE}}", want: "alpha"},
		{name: "escaped dollar", in: "$$A $${A}", want: "$A ${A}"},
		{name: "escaped dollar in default", in: "${NOPE:-a$$b}", want: "a$b"},
		{name: "values are not expanded again", in: "${DOLLAR}", want: "$B"},
		{name: "values keep YAML syntax", in: "${YAML}", want: "x: [y"},
		{name: "closing brace outside is literal", in: "a}b", want: "a}b"},
		{name: "unset", in: "${NOPE}", wantErr: "environment variable NOPE is not set"},
		{name: "unset in used default", in: "${NOPE:-${ALSO}}", wantErr: "ALSO is not set"},
		{name: "bare dollar", in: "$A", wantErr: `"$" must be followed by "{"`},
		{name: "trailing dollar", in: "cost$", wantErr: `"$" at the end`},
		{name: "unterminated", in: "${A", wantErr: "unterminated"},
		{name: "unterminated default", in: "${A:-x", wantErr: "unterminated"},
		{name: "no name", in: "${}", wantErr: "variable name"},
		{name: "digit first", in: "${1A}", wantErr: "variable name"},
		{name: "bad character", in: "${A-B}", wantErr: "unexpected '-'"},
		{name: "syntax error in unused default", in: "${A:-$x}", wantErr: `"$" must be followed`},
		{name: "too deep", in: strings.Repeat("${N:-", 9) + "x" + strings.Repeat("}", 9), wantErr: "nested more than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := expandEnv(tc.in, env)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("expandEnv(%q) = %q, %v; want error containing %q", tc.in, got, err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "alpha") {
					t.Errorf("error shows a variable's value: %v", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("expandEnv(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	keys := []string{"depends_on", "upload_array", "download_array", "name", "dtype", "file"}
	tests := []struct{ word, want string }{
		{"dependson", "depends_on"},
		{"Depends_On", "depends_on"},
		{"uplod_array", "upload_array"},
		{"downlaod_array", "download_array"},
		{"nmae", "name"},
		{"dtyp", "dtype"},
		{"fle", "file"},
		{"completely_different", ""},
		{"x", ""},
		{"", ""},
		{strings.Repeat("a", 100), ""},
	}
	for _, tc := range tests {
		if got := suggest(tc.word, keys); got != tc.want {
			t.Errorf("suggest(%q) = %q, want %q", tc.word, got, tc.want)
		}
	}
}
