package jobs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestServerToken(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const secret = "eyJhbGciOi.secret-part.sig"
	env := mapEnv(map[string]string{
		"TOK":    secret,
		"BEARER": "  Bearer " + secret + "\n",
		"EMPTY":  "",
		"SPACES": "abc def",
	})
	tests := []struct {
		name    string
		server  Server
		want    string
		wantErr string
		is      error
	}{
		{name: "no token", server: Server{Name: "s"}, want: ""},
		{name: "embedded", server: Server{Name: EmbeddedServer, Embedded: true}, want: ""},
		{name: "from env", server: Server{Name: "s", TokenEnv: "TOK"}, want: secret},
		{name: "bearer prefix and spaces removed", server: Server{Name: "s", TokenEnv: "BEARER"}, want: secret},
		{name: "unset env", server: Server{Name: "s", TokenEnv: "NOPE"}, wantErr: "environment variable NOPE is not set"},
		{name: "empty env", server: Server{Name: "s", TokenEnv: "EMPTY"}, wantErr: "environment variable EMPTY is empty"},
		{name: "whitespace inside", server: Server{Name: "s", TokenEnv: "SPACES"}, wantErr: "whitespace or control characters"},
		{name: "from file", server: Server{Name: "s", TokenFile: write("tok", secret+"\n")}, want: secret},
		{name: "bearer file", server: Server{Name: "s", TokenFile: write("bearer", "bearer "+secret)}, want: secret},
		{name: "empty file", server: Server{Name: "s", TokenFile: write("empty", "\n\n")}, wantErr: "is empty"},
		{name: "missing file", server: Server{Name: "s", TokenFile: filepath.Join(dir, "none")}, wantErr: "server s: token", is: fs.ErrNotExist},
		{name: "oversized file", server: Server{Name: "s", TokenFile: write("big", strings.Repeat("a", maxTokenSize+1))}, wantErr: "larger than 64 KiB"},
		{name: "control characters in file", server: Server{Name: "s", TokenFile: write("ctl", "ab\x00cd")}, wantErr: "control characters"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.server.Token(env)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Token() = %q, %v; want error containing %q", got, err, tc.wantErr)
				}
				if tc.is != nil && !errors.Is(err, tc.is) {
					t.Errorf("error %v does not wrap %v", err, tc.is)
				}
				for _, part := range []string{"secret-part", "abc", "cd"} {
					if strings.Contains(err.Error(), part) {
						t.Errorf("error shows the token: %v", err)
					}
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("Token() = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestTokenNeverInJob(t *testing.T) {
	t.Parallel()
	const secret = "tok-s3cr3t-value"
	j := parseString(t, "version: 1\nservers:\n  p: {uri: 'wss://h', token_env: ETP_TOKEN}\ntasks: [{name: a, server: p, dataspace: d, list: {}}]\n",
		&ParseOptions{LookupEnv: mapEnv(map[string]string{"ETP_TOKEN": secret})})
	if s := j.Servers["p"]; s.TokenEnv != "ETP_TOKEN" {
		t.Fatalf("TokenEnv = %q", s.TokenEnv)
	}
	if got, err := j.Servers["p"].Token(mapEnv(map[string]string{"ETP_TOKEN": secret})); err != nil || got != secret {
		t.Errorf("Token() = %q, %v", got, err)
	}
}
