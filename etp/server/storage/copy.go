package storage

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// Whence values of lseek(2) that find data and holes in a sparse file
// (Linux, FreeBSD, Solaris, macOS); where unsupported, Seek fails and
// copyPayload falls back to copying every byte.
const (
	seekData = 3
	seekHole = 4
)

// copyPayload copies size bytes of committed array file id into dst, a new
// file of the same size created by createFile. Only the data regions of a
// sparse source are copied, so the copy of a mostly unwritten array stays
// sparse and cheap; each region goes through io.Copy, which uses
// copy_file_range where the kernel offers it.
func (db *DB) copyPayload(id string, dst *os.File, size int64) error {
	src, err := os.Open(db.filePath(id))
	if err != nil {
		return fmt.Errorf("copy on write: %w", err)
	}
	defer src.Close()
	if err := copyRegions(src, dst, size); err != nil {
		return fmt.Errorf("copy on write of array file %s: %w", id, err)
	}
	return nil
}

func copyRegions(src, dst *os.File, size int64) error {
	var off int64
	for off < size {
		start, err := src.Seek(off, seekData)
		if errors.Is(err, syscall.ENXIO) {
			return nil // only a hole remains
		}
		if err != nil {
			if off == 0 {
				return copyRange(src, dst, 0, size) // no SEEK_DATA here
			}
			return err
		}
		if start >= size {
			return nil
		}
		end, err := src.Seek(start, seekHole)
		if err != nil {
			return err
		}
		end = min(end, size)
		if err := copyRange(src, dst, start, end-start); err != nil {
			return err
		}
		off = end
	}
	return nil
}

func copyRange(src, dst *os.File, off, n int64) error {
	if _, err := src.Seek(off, io.SeekStart); err != nil {
		return err
	}
	if _, err := dst.Seek(off, io.SeekStart); err != nil {
		return err
	}
	got, err := io.Copy(dst, io.LimitReader(src, n))
	if err == nil && got != n {
		err = fmt.Errorf("copied %d bytes at offset %d, want %d: %w", got, off, n, io.ErrUnexpectedEOF)
	}
	return err
}
