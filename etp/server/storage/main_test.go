package storage

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv(crashEnv) != "" {
		// Crash-test child: it is killed, never checked for leaks.
		os.Exit(m.Run())
	}
	goleak.VerifyTestMain(m)
}
