package storage

// Options configures a DB. A nil *Options means all defaults; the zero value of
// every field is its default. Open and OpenMemory copy the struct, so changing
// it afterwards has no effect.
type Options struct {
	// MaxArrayBytes caps the payload size of one data array (product of the
	// dimensions times the element size). Creating a larger array fails with
	// ErrTooLarge. Default 0: no limit beyond int64 overflow.
	MaxArrayBytes int64

	// MaxObjectBytes caps the size of the XML bytes of one data object.
	// Larger objects fail with ErrTooLarge. Default 0: no limit.
	MaxObjectBytes int64

	// NoSync disables every fsync. Data then survives a crash of the process
	// (SIGKILL) but not of the operating system or a power loss. Default
	// false: Commit and every auto-committed write reach stable storage before
	// they return. OpenMemory always sets it.
	NoSync bool
}

func (o *Options) withDefaults() Options {
	if o == nil {
		return Options{}
	}
	return *o
}
