package pipeline

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"time"

	"github.com/etp-transfer/etp-transfer/etp"
)

// ShouldRetry decides whether a failed attempt may be run again. It is the
// one place that decides; it walks the error chain:
//
//   - a dropped or refused connection, a closed session, a request that
//     timed out: retry (the next attempt reconnects and resumes);
//   - ETP EMAX_TRANSACTIONS_EXCEEDED (another session holds the dataspace),
//     EBACKPRESSURE_*, ETIMED_OUT, EMULTIPART_CANCELLED: retry;
//   - every other ETP error (ENOT_FOUND, EINVALID_ARGUMENT, EREQUEST_DENIED,
//     authorization, ...), local file errors and the run's own cancellation:
//     never.
func ShouldRetry(err error) bool {
	if err == nil {
		return false
	}
	var perm *permanentError
	if errors.As(err, &perm) {
		return false
	}
	switch etp.CodeOf(err) {
	case etp.EMaxTransactionsExceeded, etp.EBackpressureLimitExceeded, etp.EBackpressureWarning,
		etp.ETimedOut, etp.EMultipartCancelled:
		return true
	case 0, -1:
	default:
		return false
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return false
	}
	if errors.Is(err, etp.ErrSessionClosed) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var oe *net.OpError
	return errors.As(err, &oe) || errors.Is(err, context.DeadlineExceeded)
}

// permanentError marks an error no retry can fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// permanent wraps err so ShouldRetry refuses it.
func permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

// Backoff is exponential backoff with full jitter: attempt n (from 1) waits a
// random time in [0, min(Max, Base*2^(n-1))).
type Backoff struct {
	// Base is the first ceiling. Default 500ms.
	Base time.Duration
	// Max caps the ceiling. Default 30s.
	Max time.Duration
}

// Delay returns the wait before retry number n (1 for the first retry).
func (b Backoff) Delay(n int) time.Duration {
	base, max := b.Base, b.Max
	if base <= 0 {
		base = 500 * time.Millisecond
	}
	if max <= 0 {
		max = 30 * time.Second
	}
	ceil := base
	for i := 1; i < n && ceil < max; i++ {
		ceil *= 2
	}
	if ceil > max {
		ceil = max
	}
	return time.Duration(rand.Int64N(int64(ceil)) + 1)
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
