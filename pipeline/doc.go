// Package pipeline executes etp-transfer jobs (package jobs) against ETP 1.2
// stores.
//
// Run takes a parsed job and runs its tasks as a graph: a task starts when
// every task in its depends_on succeeded, at most Job.Concurrency at once; a
// failed task skips its dependents and the others go on. Each task is
// retried with exponential backoff and full jitter while ShouldRetry says its
// error is transient (a dropped connection, a busy dataspace:
// EMAX_TRANSACTIONS_EXCEEDED, back-pressure, a timeout), never for permanent
// ones (ENOT_FOUND, EINVALID_ARGUMENT, EREQUEST_DENIED, local file errors).
// An array upload that fails half-way resumes at the blocks not yet written.
//
// Sessions are opened per server when a task first needs them (Server.Sessions
// of them, shared by the tasks) and closed at the end; a server named
// "embedded" is an in-process etp/server started on a loopback port, so jobs
// that name no remote server need nothing installed. A transaction task runs
// its tasks on a session of its own inside one ETP transaction (BRIEF 6.4),
// committed when all succeed and rolled back otherwise, also when the run's
// context is cancelled (SIGINT/SIGTERM in the CLI).
//
// Arrays move through package pipeline/transfer (blocks planned by package
// chunking, several requests in flight per session), local array files
// through pipeline/arrayfile, RESQML packages through pipeline/epc and
// pipeline/hdf5. The outcome of a run is a Report: per task its status,
// attempts, bytes, messages, duration, throughput and error, the error naming
// the task and, for arrays, the URI and path in resource. WritePlan prints
// what a job would do without connecting.
package pipeline
