package etp

import "fmt"

const dataValueBranches = 19

func sizeDataValue(v DataValue) int {
	switch x := v.(type) {
	case nil:
		return 1
	case Bool:
		return 2
	case Int:
		return 1 + sizeLong(int64(x))
	case Long:
		return 1 + sizeLong(int64(x))
	case Float:
		return 1 + 4
	case Double:
		return 1 + 8
	case String:
		return 1 + sizeString(string(x))
	case ArrayOfBoolean:
		return 1 + sizeBlockFrame(len(x.Values)) + len(x.Values)
	case ArrayOfNullableBoolean:
		n := 1 + sizeBlockFrame(len(x.Values))
		for _, p := range x.Values {
			n++
			if p != nil {
				n++
			}
		}
		return n
	case ArrayOfInt:
		return 1 + sizeInt32s(x.Values)
	case ArrayOfNullableInt:
		n := 1 + sizeBlockFrame(len(x.Values))
		for _, p := range x.Values {
			n += sizeOptInt(p)
		}
		return n
	case ArrayOfLong:
		return 1 + sizeLongs(x.Values)
	case ArrayOfNullableLong:
		n := 1 + sizeBlockFrame(len(x.Values))
		for _, p := range x.Values {
			n += sizeOptLong(p)
		}
		return n
	case ArrayOfFloat:
		return 1 + sizeBlockFrame(len(x.Values)) + 4*len(x.Values)
	case ArrayOfDouble:
		return 1 + sizeBlockFrame(len(x.Values)) + 8*len(x.Values)
	case ArrayOfString:
		return 1 + sizeStrings(x.Values)
	case ArrayOfBytes:
		n := 1 + sizeBlockFrame(len(x.Values))
		for _, p := range x.Values {
			n += sizeBytes(p)
		}
		return n
	case Bytes:
		return 1 + sizeBytes(x)
	case AnySparseArray:
		return 1 + x.sizeAvro()
	}
	return 1
}

func encDataValue(e *encoder, v DataValue) {
	// The branch index is written by each case (never through the interface
	// method), so a typed nil pointer such as (*Long)(nil) is an error, not a
	// panic.
	switch x := v.(type) {
	case nil:
		e.b = append(e.b, 0)
		return
	case Bool:
		e.b = append(e.b, byte(x.dataValueIndex())<<1)
		e.bool(bool(x))
	case Int:
		e.b = append(e.b, byte(x.dataValueIndex())<<1)
		e.int(int32(x))
	case Long:
		e.b = append(e.b, byte(x.dataValueIndex())<<1)
		e.long(int64(x))
	case Float:
		e.b = append(e.b, byte(x.dataValueIndex())<<1)
		e.float(float32(x))
	case Double:
		e.b = append(e.b, byte(x.dataValueIndex())<<1)
		e.double(float64(x))
	case String:
		e.b = append(e.b, byte(x.dataValueIndex())<<1)
		e.str(string(x))
	case ArrayOfBoolean:
		e.b = append(e.b, byte(x.dataValueIndex())<<1)
		encBools(e, x.Values)
	case ArrayOfNullableBoolean:
		e.b = append(e.b, byte(x.dataValueIndex())<<1)
		e.blockStart(len(x.Values))
		for _, p := range x.Values {
			if p == nil {
				e.b = append(e.b, 0)
			} else {
				e.b = append(e.b, 2)
				e.bool(*p)
			}
		}
		e.blockEnd()
	case ArrayOfInt:
		e.b = append(e.b, byte(x.dataValueIndex())<<1)
		encInt32s(e, x.Values)
	case ArrayOfNullableInt:
		e.b = append(e.b, byte(x.dataValueIndex())<<1)
		e.blockStart(len(x.Values))
		for _, p := range x.Values {
			encOptInt(e, p)
		}
		e.blockEnd()
	case ArrayOfLong:
		e.b = append(e.b, byte(x.dataValueIndex())<<1)
		encInt64s(e, x.Values)
	case ArrayOfNullableLong:
		e.b = append(e.b, byte(x.dataValueIndex())<<1)
		e.blockStart(len(x.Values))
		for _, p := range x.Values {
			encOptLong(e, p)
		}
		e.blockEnd()
	case ArrayOfFloat:
		e.b = append(e.b, byte(x.dataValueIndex())<<1)
		encFloat32s(e, x.Values)
	case ArrayOfDouble:
		e.b = append(e.b, byte(x.dataValueIndex())<<1)
		encFloat64s(e, x.Values)
	case ArrayOfString:
		e.b = append(e.b, byte(x.dataValueIndex())<<1)
		encStrings(e, x.Values)
	case ArrayOfBytes:
		e.b = append(e.b, byte(x.dataValueIndex())<<1)
		e.blockStart(len(x.Values))
		for _, p := range x.Values {
			e.bytes(p)
		}
		e.blockEnd()
	case Bytes:
		e.b = append(e.b, byte(x.dataValueIndex())<<1)
		e.bytes(x)
	case AnySparseArray:
		e.b = append(e.b, byte(x.dataValueIndex())<<1)
		x.encodeAvro(e)
	default:
		e.fail(fmt.Errorf("etp: unsupported DataValue type %T", v))
	}
}

func decDataValue(d *decoder) DataValue {
	i := d.unionIndex(dataValueBranches, "DataValue")
	if d.err != nil {
		return nil
	}
	switch i {
	case 0:
		return nil
	case 1:
		return Bool(d.bool())
	case 2:
		return Int(d.int())
	case 3:
		return Long(d.long())
	case 4:
		return Float(d.float())
	case 5:
		return Double(d.double())
	case 6:
		return String(d.str())
	case 7:
		return ArrayOfBoolean{Values: decBoolsInto(d, nil)}
	case 8:
		return ArrayOfNullableBoolean{Values: decArray(d, nil, 1, func(d *decoder, v **bool) {
			if d.unionIndex(2, "nullable boolean") == 1 && d.err == nil {
				b := d.bool()
				*v = &b
			}
		})}
	case 9:
		return ArrayOfInt{Values: decInt32sInto(d, nil)}
	case 10:
		return ArrayOfNullableInt{Values: decArray(d, nil, 1, func(d *decoder, v **int32) {
			*v = decOptInt(d, "nullable int")
		})}
	case 11:
		return ArrayOfLong{Values: decInt64sInto(d, nil)}
	case 12:
		return ArrayOfNullableLong{Values: decArray(d, nil, 1, func(d *decoder, v **int64) {
			*v = decOptLong(d, "nullable long")
		})}
	case 13:
		return ArrayOfFloat{Values: decFloat32sInto(d, nil)}
	case 14:
		return ArrayOfDouble{Values: decFloat64sInto(d, nil)}
	case 15:
		return ArrayOfString{Values: decStrings(d)}
	case 16:
		return ArrayOfBytes{Values: decArray(d, nil, 1, func(d *decoder, v *[]byte) { *v = d.bytes() })}
	case 17:
		return Bytes(d.bytes())
	default: // 18
		var s AnySparseArray
		s.decodeAvro(d)
		return s
	}
}

func (s *AnySparseArray) sizeAvro() int {
	return sizeArray(s.Slices, func(v *AnySubarray) int { return v.sizeAvro() })
}

func (s *AnySparseArray) encodeAvro(e *encoder) {
	encArray(e, s.Slices, func(e *encoder, v *AnySubarray) { v.encodeAvro(e) })
}

func (s *AnySparseArray) decodeAvro(d *decoder) {
	s.Slices = decArray(d, s.Slices, 3, func(d *decoder, v *AnySubarray) { v.decodeAvro(d) })
}

func (s *AnySubarray) sizeAvro() int { return sizeLong(s.Start) + s.Slice.sizeAvro() }

func (s *AnySubarray) encodeAvro(e *encoder) {
	e.long(s.Start)
	s.Slice.encodeAvro(e)
}

func (s *AnySubarray) decodeAvro(d *decoder) {
	s.Start = d.long()
	s.Slice.decodeAvro(d)
}
