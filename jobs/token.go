package jobs

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// maxTokenSize bounds a token file.
const maxTokenSize = 64 << 10

// Token returns the bearer token for s, read now from the environment variable
// TokenEnv (through lookup; nil means os.LookupEnv) or from the file TokenFile,
// so a rotated token file is picked up by the next connection. Surrounding
// whitespace and a leading "Bearer " are removed. A server without either (the
// embedded one included) has no token: Token returns "", nil.
//
// Errors name the variable or file, never the token: an unset or empty variable,
// an unreadable, empty or oversized (more than 64 KiB) file, or a token with
// whitespace or control characters inside. Token is safe for concurrent use.
func (s *Server) Token(lookup func(string) (string, bool)) (string, error) {
	var raw, from string
	switch {
	case s.TokenEnv != "":
		if lookup == nil {
			lookup = os.LookupEnv
		}
		from = "environment variable " + s.TokenEnv
		v, ok := lookup(s.TokenEnv)
		if !ok {
			return "", fmt.Errorf("jobs: server %s: token: %s is not set", s.Name, from)
		}
		raw = v
	case s.TokenFile != "":
		from = "token file " + s.TokenFile
		b, err := readLimited(s.TokenFile, maxTokenSize)
		if err != nil {
			return "", fmt.Errorf("jobs: server %s: token: %w", s.Name, err)
		}
		raw = string(b)
	default:
		return "", nil
	}
	tok := strings.TrimSpace(raw)
	if len(tok) >= 7 && strings.EqualFold(tok[:7], "bearer ") {
		tok = strings.TrimSpace(tok[7:])
	}
	if tok == "" {
		return "", fmt.Errorf("jobs: server %s: token: %s is empty", s.Name, from)
	}
	for _, r := range tok {
		if r <= ' ' || r == 0x7f {
			return "", fmt.Errorf("jobs: server %s: token: %s holds whitespace or control characters inside the token", s.Name, from)
		}
	}
	return tok, nil
}

var errTooLarge = errors.New("larger than 64 KiB")

func readLimited(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: %w", name, errTooLarge)
	}
	return b, nil
}
