package etp

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them: no
// session, reader, control loop or test peer may leak.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
