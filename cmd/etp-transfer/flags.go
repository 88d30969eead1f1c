package main

import (
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"

	"github.com/etp-transfer/etp-transfer/jobs"
)

// sizeValue is a flag holding a byte size such as 64KiB, 16MiB, 1GiB or 1MB.
type sizeValue int64

func (s *sizeValue) String() string { return strconv.FormatInt(int64(*s), 10) }

func (s *sizeValue) Set(v string) error {
	n, err := jobs.ParseSize(v)
	if err != nil {
		return fmt.Errorf("size %q: %w", v, err)
	}
	*s = sizeValue(n)
	return nil
}

// sizeFlag defines a byte-size flag.
func sizeFlag(fs *flag.FlagSet, name string, def int64, usage string) *int64 {
	v := sizeValue(def)
	fs.Var(&v, name, usage)
	return (*int64)(&v)
}

// startCPUProfile writes a CPU profile to path until the returned function
// is called.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
