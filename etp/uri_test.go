package etp

import (
	"errors"
	"strings"
	"testing"
)

func TestParseURI(t *testing.T) {
	t.Parallel()
	const id = "49e4c1e1-891c-11ee-a655-4da4d0f45a8a"
	tests := []struct {
		name      string
		in        string
		want      URI
		canonical string // String() of the result; "" means same as in
		wantErr   string
	}{
		{name: "default dataspace", in: "eml:///", want: URI{}},
		{name: "named dataspace", in: "eml:///dataspace('demo/Volve')", want: URI{Dataspace: "demo/Volve"}},
		{name: "quoted quote", in: "eml:///dataspace('it''s')", want: URI{Dataspace: "it's"}},
		{name: "object in default", in: "eml:///witsml21.Well(" + id + ")",
			want: URI{QualifiedType: "witsml21.Well", UUID: id}},
		{name: "object in dataspace",
			in:   "eml:///dataspace('demo/Volve')/resqml20.obj_Grid2dRepresentation(" + id + ")",
			want: URI{Dataspace: "demo/Volve", QualifiedType: "resqml20.obj_Grid2dRepresentation", UUID: id}},
		{name: "upper-case uuid lowered",
			in:        "eml:///eml20.obj_EpcExternalPartReference(" + strings.ToUpper(id) + ")",
			want:      URI{QualifiedType: "eml20.obj_EpcExternalPartReference", UUID: id},
			canonical: "eml:///eml20.obj_EpcExternalPartReference(" + id + ")"},
		{name: "object version",
			in:   "eml:///dataspace('d')/resqml22.Grid2dRepresentation(uuid=" + id + ",version='2.0 ''b''')",
			want: URI{Dataspace: "d", QualifiedType: "resqml22.Grid2dRepresentation", UUID: id, Version: "2.0 'b'"}},
		{name: "wrong scheme", in: "http:///", wantErr: "must start with"},
		{name: "two slashes", in: "eml://dataspace('x')", wantErr: "must start with"},
		{name: "unquoted dataspace", in: "eml:///dataspace(x)", wantErr: "quoted"},
		{name: "unterminated dataspace", in: "eml:///dataspace('x)", wantErr: "quoted"},
		{name: "trailing slash", in: "eml:///dataspace('x')/", wantErr: "expected /"},
		{name: "junk after dataspace", in: "eml:///dataspace('x')?q", wantErr: "expected /"},
		{name: "bad domain", in: "eml:///foo20.Bar(" + id + ")", wantErr: "domain"},
		{name: "bad version", in: "eml:///resqml2.obj_X(" + id + ")", wantErr: "two digits"},
		{name: "zero version", in: "eml:///resqml02.obj_X(" + id + ")", wantErr: "two digits"},
		{name: "no type", in: "eml:///resqml20.(" + id + ")", wantErr: "missing object type"},
		{name: "bad type chars", in: "eml:///resqml20.obj-X(" + id + ")", wantErr: "word characters"},
		{name: "bad uuid", in: "eml:///resqml20.obj_X(1234)", wantErr: "bad uuid"},
		{name: "folder uri", in: "eml:///dataspace('x')/resqml20.obj_X", wantErr: "expected <qualified-type>"},
		{name: "version unquoted", in: "eml:///resqml20.obj_X(uuid=" + id + ",version=2)", wantErr: "version must be quoted"},
		{name: "version junk", in: "eml:///resqml20.obj_X(uuid=" + id + ",version='2'x)", wantErr: "version must be quoted"},
		{name: "uuid= without version", in: "eml:///resqml20.obj_X(uuid=" + id + ")", wantErr: "expected (uuid="},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseURI(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, ErrInvalidURI) {
					t.Fatalf("ParseURI(%q) = %+v, %v; want error containing %q wrapping ErrInvalidURI",
						tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseURI(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Fatalf("ParseURI(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
			want := tc.canonical
			if want == "" {
				want = tc.in
			}
			if s := got.String(); s != want {
				t.Fatalf("String() = %q, want %q", s, want)
			}
			if got.IsDataspace() != (tc.want.QualifiedType == "") {
				t.Fatalf("IsDataspace() = %v", got.IsDataspace())
			}
		})
	}
}

func TestURIBuilders(t *testing.T) {
	t.Parallel()
	u := mustUUID(t, "49E4C1E1-891C-11EE-A655-4DA4D0F45A8A")
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"default dataspace", DataspaceURI(""), "eml:///"},
		{"named dataspace", DataspaceURI("demo"), "eml:///dataspace('demo')"},
		{"quote doubled", DataspaceURI("a'b"), "eml:///dataspace('a''b')"},
		{"object", ObjectURI("demo", "resqml20.obj_Grid2dRepresentation", u),
			"eml:///dataspace('demo')/resqml20.obj_Grid2dRepresentation(49e4c1e1-891c-11ee-a655-4da4d0f45a8a)"},
		{"object default dataspace", ObjectURI("", "witsml21.Well", u),
			"eml:///witsml21.Well(49e4c1e1-891c-11ee-a655-4da4d0f45a8a)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.got != tc.want {
				t.Fatalf("got %q, want %q", tc.got, tc.want)
			}
			if _, err := ParseURI(tc.got); err != nil {
				t.Fatalf("builder output does not parse: %v", err)
			}
		})
	}
}

func TestUUID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr bool
	}{
		{"lower", "8b0f2a3c-4d5e-467f-8091-a2b3c4d5e6f7", "8b0f2a3c-4d5e-467f-8091-a2b3c4d5e6f7", false},
		{"upper", "8B0F2A3C-4D5E-467F-8091-A2B3C4D5E6F7", "8b0f2a3c-4d5e-467f-8091-a2b3c4d5e6f7", false},
		{"braces", "{8b0f2a3c-4d5e-467f-8091-a2b3c4d5e6f7}", "", true},
		{"no dashes", "8b0f2a3c4d5e467f8091a2b3c4d5e6f7", "", true},
		{"bad digit", "8b0f2a3c-4d5e-467f-8091-a2b3c4d5e6fg", "", true},
		{"dash misplaced", "8b0f2a3c4-d5e-467f-8091-a2b3c4d5e6f7", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u, err := ParseUUID(tc.in)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("ParseUUID(%q) = %v, want error", tc.in, u)
				}
				return
			}
			if err != nil || u.String() != tc.want {
				t.Fatalf("ParseUUID(%q) = %v, %v; want %s", tc.in, u, err, tc.want)
			}
			if u[0] != 0x8b || u[15] != 0xf7 {
				t.Fatalf("byte order: % x", u[:])
			}
		})
	}
	a, b := NewUUID(), NewUUID()
	if a == b || a.IsZero() || a[6]>>4 != 4 || a[8]>>6 != 2 {
		t.Fatalf("NewUUID: %v %v", a, b)
	}
}
