package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/etp-transfer/etp-transfer/etp"
)

func TestShouldRetry(t *testing.T) {
	code := func(c etp.ErrorCode) error {
		return fmt.Errorf("request: %w", &etp.ProtocolError{Code: c, Message: "x"})
	}
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"session closed", fmt.Errorf("put: %w", etp.ErrSessionClosed), true},
		{"connection refused", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, true},
		{"unexpected EOF", io.ErrUnexpectedEOF, true},
		{"request deadline", fmt.Errorf("wait: %w", context.DeadlineExceeded), true},
		{"run cancelled", context.Canceled, false},
		{"busy dataspace", code(etp.EMaxTransactionsExceeded), true},
		{"back-pressure", code(etp.EBackpressureLimitExceeded), true},
		{"timed out", code(etp.ETimedOut), true},
		{"multipart cancelled", code(etp.EMultipartCancelled), true},
		{"not found", code(etp.ENotFound), false},
		{"invalid argument", code(etp.EInvalidArgument), false},
		{"request denied", code(etp.ERequestDenied), false},
		{"authorization", code(etp.EAuthorizationExpired), false},
		{"per-key not found", etp.KeyErrors{"0": {Code: etp.ENotFound}}, false},
		{"local file", &os.PathError{Op: "open", Path: "x.npy", Err: os.ErrNotExist}, false},
		{"permanent session error", permanent(etp.ErrSessionClosed), false},
		{"other", errors.New("something"), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ShouldRetry(c.err); got != c.want {
				t.Errorf("ShouldRetry(%v) = %v, want %v", c.err, got, c.want)
			}
		})
	}
}

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Base: 100 * time.Millisecond, Max: time.Second}
	for n := 1; n <= 10; n++ {
		ceil := min(b.Base<<(n-1), b.Max)
		for range 50 {
			if d := b.Delay(n); d <= 0 || d > ceil {
				t.Fatalf("Delay(%d) = %v, want in (0, %v]", n, d, ceil)
			}
		}
	}
}
