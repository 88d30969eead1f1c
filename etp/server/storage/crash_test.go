package storage

// crashEnv names the environment variable that turns the test binary into
// the crash-test child; its value is the test directory.
const crashEnv = "ETP_STORAGE_CRASH_CHILD"
