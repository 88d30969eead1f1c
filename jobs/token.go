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
	tok, err := ReadToken(s.TokenEnv, s.TokenFile, lookup)
	if err != nil {
		return "", fmt.Errorf("jobs: server %s: token: %w", s.Name, err)
	}
	return tok, nil
}

// ReadToken reads a bearer token from the environment variable env (through
// lookup; nil means os.LookupEnv) or, when env is empty, from the file
// file, the way Server.Token does: surrounding whitespace and a leading
// "Bearer " are removed, and neither set means no token ("", nil). Errors
// name the variable or file, never the token. The CLI's -token-env and
// -token-file flags use it too.
func ReadToken(env, file string, lookup func(string) (string, bool)) (string, error) {
	var raw, from string
	switch {
	case env != "":
		if lookup == nil {
			lookup = os.LookupEnv
		}
		from = "environment variable " + env
		v, ok := lookup(env)
		if !ok {
			return "", fmt.Errorf("%s is not set", from)
		}
		raw = v
	case file != "":
		from = "token file " + file
		b, err := readLimited(file, maxTokenSize)
		if err != nil {
			return "", err
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
		return "", fmt.Errorf("%s is empty", from)
	}
	for _, r := range tok {
		if r <= ' ' || r == 0x7f {
			return "", fmt.Errorf("%s holds whitespace or control characters inside the token", from)
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
