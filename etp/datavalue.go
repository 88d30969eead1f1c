package etp

import "fmt"

// DataValue is the Avro record Energistics.Etp.v12.Datatypes.DataValue, a
// union of 19 branches (BRIEF 2.1). A nil DataValue is the null branch; every
// other branch is one of the types below, so a value is built by conversion or
// with a helper:
//
//	caps := map[string]etp.DataValue{
//		"MaxWebSocketMessagePayloadSize": etp.Long(16777216),
//		"SupportsAlternateRequestUris":   etp.Bool(false),
//		"AuthorizationDetails":           etp.Strings(`Bearer authz_server="https://login.example"`),
//	}
//
// Branches (index = Avro union index): 0 nil, 1 Bool, 2 Int, 3 Long, 4 Float,
// 5 Double, 6 String, 7 ArrayOfBoolean, 8 ArrayOfNullableBoolean, 9 ArrayOfInt,
// 10 ArrayOfNullableInt, 11 ArrayOfLong, 12 ArrayOfNullableLong, 13 ArrayOfFloat,
// 14 ArrayOfDouble, 15 ArrayOfString, 16 ArrayOfBytes, 17 Bytes, 18 AnySparseArray.
// The set is closed: only the types of this package implement DataValue.
// Decoding produces values (never pointers) of these types.
type DataValue interface {
	// dataValueIndex returns the Avro union branch index of the value.
	dataValueIndex() int
}

// Bool is the boolean branch of DataValue (capability flags).
type Bool bool

// Int is the int branch of DataValue. Some peers send counts and periods as
// Int; read capabilities with CapabilityInt64, which accepts Int and Long.
type Int int32

// Long is the long branch of DataValue: the branch ETP uses for capability
// counts, sizes (bytes) and periods (seconds) (BRIEF 3.6).
type Long int64

// Float is the float branch of DataValue.
type Float float32

// Double is the double branch of DataValue.
type Double float64

// String is the string branch of DataValue.
type String string

// Bytes is the bytes branch of DataValue.
type Bytes []byte

// ArrayOfBoolean is the record Energistics.Etp.v12.Datatypes.ArrayOfBoolean.
type ArrayOfBoolean struct{ Values []bool }

// ArrayOfNullableBoolean is Energistics.Etp.v12.Datatypes.ArrayOfNullableBoolean;
// a nil element is null.
type ArrayOfNullableBoolean struct{ Values []*bool }

// ArrayOfInt is Energistics.Etp.v12.Datatypes.ArrayOfInt.
type ArrayOfInt struct{ Values []int32 }

// ArrayOfNullableInt is Energistics.Etp.v12.Datatypes.ArrayOfNullableInt; a nil
// element is null.
type ArrayOfNullableInt struct{ Values []*int32 }

// ArrayOfLong is Energistics.Etp.v12.Datatypes.ArrayOfLong.
type ArrayOfLong struct{ Values []int64 }

// ArrayOfNullableLong is Energistics.Etp.v12.Datatypes.ArrayOfNullableLong; a
// nil element is null.
type ArrayOfNullableLong struct{ Values []*int64 }

// ArrayOfFloat is Energistics.Etp.v12.Datatypes.ArrayOfFloat.
type ArrayOfFloat struct{ Values []float32 }

// ArrayOfDouble is Energistics.Etp.v12.Datatypes.ArrayOfDouble.
type ArrayOfDouble struct{ Values []float64 }

// ArrayOfString is Energistics.Etp.v12.Datatypes.ArrayOfString (also the value
// type of DeleteDataObjectsResponse.DeletedURIs).
type ArrayOfString struct{ Values []string }

// ArrayOfBytes is Energistics.Etp.v12.Datatypes.ArrayOfBytes.
type ArrayOfBytes struct{ Values [][]byte }

// AnySubarray is Energistics.Etp.v12.Datatypes.AnySubarray: a run of values
// starting at index Start.
type AnySubarray struct {
	Start int64
	Slice AnyArray
}

// AnySparseArray is Energistics.Etp.v12.Datatypes.AnySparseArray.
type AnySparseArray struct{ Slices []AnySubarray }

func (Bool) dataValueIndex() int                   { return 1 }
func (Int) dataValueIndex() int                    { return 2 }
func (Long) dataValueIndex() int                   { return 3 }
func (Float) dataValueIndex() int                  { return 4 }
func (Double) dataValueIndex() int                 { return 5 }
func (String) dataValueIndex() int                 { return 6 }
func (ArrayOfBoolean) dataValueIndex() int         { return 7 }
func (ArrayOfNullableBoolean) dataValueIndex() int { return 8 }
func (ArrayOfInt) dataValueIndex() int             { return 9 }
func (ArrayOfNullableInt) dataValueIndex() int     { return 10 }
func (ArrayOfLong) dataValueIndex() int            { return 11 }
func (ArrayOfNullableLong) dataValueIndex() int    { return 12 }
func (ArrayOfFloat) dataValueIndex() int           { return 13 }
func (ArrayOfDouble) dataValueIndex() int          { return 14 }
func (ArrayOfString) dataValueIndex() int          { return 15 }
func (ArrayOfBytes) dataValueIndex() int           { return 16 }
func (Bytes) dataValueIndex() int                  { return 17 }
func (AnySparseArray) dataValueIndex() int         { return 18 }

// Strings returns an ArrayOfString DataValue holding values (the branch of
// AuthorizationDetails and of OSDU access-control lists).
func Strings(values ...string) ArrayOfString { return ArrayOfString{Values: values} }

// Longs returns an ArrayOfLong DataValue holding values.
func Longs(values ...int64) ArrayOfLong { return ArrayOfLong{Values: values} }

// Doubles returns an ArrayOfDouble DataValue holding values.
func Doubles(values ...float64) ArrayOfDouble { return ArrayOfDouble{Values: values} }

// CapabilityInt64 reads a count, size or period capability: it accepts the
// Long and Int branches (BRIEF 3.6: peers use both) and reports false for a
// missing key, null or any other branch.
func CapabilityInt64(caps map[string]DataValue, name string) (int64, bool) {
	return DataValueInt64(caps[name])
}

// DataValueInt64 returns the value of a Long or Int DataValue and false for
// every other branch (including nil).
func DataValueInt64(v DataValue) (int64, bool) {
	switch x := v.(type) {
	case Long:
		return int64(x), true
	case Int:
		return int64(x), true
	}
	return 0, false
}

// CapabilityBool reads a flag capability: it accepts the Bool branch and
// reports false for anything else.
func CapabilityBool(caps map[string]DataValue, name string) (value, ok bool) {
	b, ok := caps[name].(Bool)
	return bool(b), ok
}

// DataValueString formats v for logs and error messages; it never fails.
func DataValueString(v DataValue) string {
	if v == nil {
		return "null"
	}
	return fmt.Sprint(v)
}
