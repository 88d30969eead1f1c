package hdf5

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
)

// supportedFilter reports whether this package can undo filter id.
func supportedFilter(id int) bool {
	return id == filterDeflate || id == filterShuffle || id == filterFletcher32
}

// unfilter undoes the filter pipeline on a stored chunk, skipping the
// filters whose bit is set in mask, and returns want bytes.
func (d *Dataset) unfilter(b []byte, mask uint32, want int64, addr uint64) ([]byte, error) {
	limit := want + 64
	for i := len(d.filters) - 1; i >= 0; i-- {
		if i < 32 && mask&(1<<uint(i)) != 0 {
			continue
		}
		fl := d.filters[i]
		switch fl.ID {
		case filterDeflate:
			zr, err := zlib.NewReader(bytes.NewReader(b))
			if err != nil {
				return nil, corrupt("chunk of "+d.name, int64(addr), "deflate: %v", err)
			}
			var out bytes.Buffer
			out.Grow(int(min(want, int64(len(b))*8, 64<<20)))
			n, err := io.Copy(&out, io.LimitReader(zr, limit+1))
			if err != nil {
				return nil, corrupt("chunk of "+d.name, int64(addr), "deflate: %v", err)
			}
			if n > limit {
				return nil, corrupt("chunk of "+d.name, int64(addr), "deflate output exceeds the %d-byte chunk", want)
			}
			b = out.Bytes()
		case filterShuffle:
			es := d.esize
			if len(fl.Params) > 0 && fl.Params[0] > 0 && fl.Params[0] <= 1<<16 {
				es = int(fl.Params[0])
			}
			b = unshuffle(b, es)
		case filterFletcher32:
			if len(b) < 4 {
				return nil, corrupt("chunk of "+d.name, int64(addr), "fletcher32: chunk of %d bytes has no checksum", len(b))
			}
			body := b[:len(b)-4]
			stored := binary.LittleEndian.Uint32(b[len(b)-4:])
			sum := fletcher32(body)
			// Files written before HDF5 1.6.3 stored the checksum byte-swapped.
			if stored != sum && stored != bits.ReverseBytes32(sum) {
				return nil, corrupt("chunk of "+d.name, int64(addr), "fletcher32 checksum mismatch (stored %#08x, computed %#08x)", stored, sum)
			}
			b = body
		default:
			return nil, unsupported("%s: filter %d (%s) is not supported", d.name, fl.ID, fl.Name)
		}
	}
	if int64(len(b)) != want {
		return nil, corrupt("chunk of "+d.name, int64(addr), "unfiltered chunk has %d bytes, want %d", len(b), want)
	}
	return b, nil
}

// unshuffle undoes HDF5's byte shuffle: the input holds byte 0 of every
// element, then byte 1, ...; trailing bytes that do not fill an element are
// left in place.
func unshuffle(b []byte, es int) []byte {
	if es <= 1 || len(b) < 2*es {
		return b
	}
	n := len(b) / es
	out := make([]byte, len(b))
	for j := 0; j < es; j++ {
		src := b[j*n : (j+1)*n]
		for i, c := range src {
			out[i*es+j] = c
		}
	}
	copy(out[n*es:], b[n*es:])
	return out
}

func filterList(fs []Filter) string {
	s := ""
	for i, f := range fs {
		if i > 0 {
			s += ","
		}
		s += f.Name
	}
	return s
}

var _ = fmt.Sprint
