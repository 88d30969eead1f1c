package hdf5

import (
	"fmt"
	"testing"
)

func TestAttributes(t *testing.T) {
	want := map[string]string{
		"fixed_string": "fixed",
		"float_array":  "[1.5 2.5 -3]",
		"int_scalar":   "-42",
		"uint_array":   "[1 2 3]",
		"vlen_string":  "variable \u00e9",
	}
	tests := []struct {
		file, path string
		extra      int
	}{
		{"earliest.h5", "/", 0},
		{"earliest.h5", "/nd/d2", 0},
		{"latest.h5", "/", 0},
		{"v108.h5", "/a", 0},
		{"latest.h5", "/fixed", 20}, // dense attribute storage
	}
	for _, tc := range tests {
		t.Run(tc.file+tc.path, func(t *testing.T) {
			f := openFixture(t, tc.file)
			attrs, err := f.Attributes(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if tc.extra > 0 {
				if len(attrs) != tc.extra {
					t.Fatalf("%d attributes, want %d", len(attrs), tc.extra)
				}
				for i, a := range attrs {
					if a.Name != fmt.Sprintf("attr%02d", i) || a.Value != int64(i) || a.Err != nil {
						t.Errorf("attribute %d: %+v", i, a)
					}
				}
				d, err := f.Dataset(tc.path)
				if err != nil {
					t.Fatal(err)
				}
				if da, err := d.Attributes(); err != nil || len(da) != tc.extra {
					t.Fatalf("Dataset.Attributes: %d, %v", len(da), err)
				}
				return
			}
			if len(attrs) != len(want) {
				t.Fatalf("attributes %+v, want %d", attrs, len(want))
			}
			for _, a := range attrs {
				if a.Err != nil {
					t.Errorf("%s: %v", a.Name, a.Err)
					continue
				}
				if got := fmt.Sprint(a.Value); got != want[a.Name] {
					t.Errorf("%s = %q (%T), want %q", a.Name, got, a.Value, want[a.Name])
				}
			}
		})
	}
}
