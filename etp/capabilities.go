package etp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// maxCapabilitiesSize bounds the capabilities document read by
// GetServerCapabilities.
const maxCapabilitiesSize = 4 << 20

// CapabilitiesURL returns the URL of the server capabilities document of the
// ETP endpoint wsURL (BRIEF 1.3): ws becomes http and wss https, and
// ".well-known/etp-server-capabilities" is appended to the endpoint's path
// with the query GetVersion=etp12.energistics.org (other query parameters of
// wsURL are kept).
func CapabilitiesURL(wsURL string) (string, error) {
	u, err := url.Parse(wsURL)
	if err != nil {
		return "", fmt.Errorf("etp: capabilities URL of %s: %w", redactURL(wsURL), err)
	}
	switch strings.ToLower(u.Scheme) {
	case "ws", "http":
		u.Scheme = "http"
	case "wss", "https":
		u.Scheme = "https"
	default:
		return "", fmt.Errorf("etp: capabilities URL of %s: the URL must start with ws:// or wss://", redactURL(wsURL))
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	u.Path += ".well-known/etp-server-capabilities"
	u.RawPath = ""
	q := u.Query()
	q.Set("GetVersion", Subprotocol)
	u.RawQuery = q.Encode()
	u.Fragment = ""
	return u.String(), nil
}

// GetServerCapabilities fetches the server capabilities document of the ETP
// endpoint url before any session exists (BRIEF 1.3), with the same
// Authorization, data-partition-id and extra headers and the same TLS
// settings as Dial. It parses the Avro-JSON encoding of
// Energistics.Etp.v12.Datatypes.ServerCapabilities (unions as {"long": 5},
// named branches by full name, unknown members ignored) when the
// Content-Type is JSON or the body starts with '{', and the Avro binary
// encoding otherwise. The document is read up to 4 MiB. ctx bounds the whole
// call; errors never contain the token.
func GetServerCapabilities(ctx context.Context, rawURL string, opts *SessionOptions) (*ServerCapabilities, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	capURL, err := CapabilitiesURL(rawURL)
	if err != nil {
		return nil, err
	}
	where := redactURL(capURL)
	client, tr, err := o.httpClient()
	if err != nil {
		return nil, err
	}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, capURL, nil)
	if err != nil {
		return nil, fmt.Errorf("etp: server capabilities %s: %w", where, err)
	}
	req.Header = o.headers()
	req.Header.Del("etp-encoding")
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the url.Error repeats the URL with its query
		}
		return nil, fmt.Errorf("etp: server capabilities %s: %s", where, o.redact(err.Error()))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxCapabilitiesSize+1))
	if err != nil {
		return nil, fmt.Errorf("etp: server capabilities %s: reading the body: %s", where, o.redact(err.Error()))
	}
	if resp.StatusCode != http.StatusOK {
		msg := fmt.Sprintf("etp: server capabilities %s: HTTP %s", where, resp.Status)
		if snippet := strings.TrimSpace(o.redact(string(body[:min(len(body), 300)]))); snippet != "" {
			msg += ": " + snippet
		}
		return nil, errors.New(msg)
	}
	if len(body) > maxCapabilitiesSize {
		return nil, fmt.Errorf("etp: server capabilities %s: the document exceeds %d bytes", where, maxCapabilitiesSize)
	}
	caps, err := ParseServerCapabilities(body, resp.Header.Get("Content-Type"))
	if err != nil {
		return nil, fmt.Errorf("etp: server capabilities %s: %w", where, err)
	}
	return caps, nil
}

// ParseServerCapabilities decodes a server capabilities document: Avro-JSON
// when contentType is a JSON media type (or empty and the document starts
// with '{'), else Avro binary. See GetServerCapabilities for the JSON rules.
// It never panics on any input.
func ParseServerCapabilities(doc []byte, contentType string) (*ServerCapabilities, error) {
	isJSON := false
	if mt, _, err := mime.ParseMediaType(contentType); err == nil {
		isJSON = mt == "application/json" || strings.HasSuffix(mt, "+json") || mt == "text/json"
	}
	// An Avro binary ServerCapabilities starts with the length of
	// applicationName, a zig-zag varint that is never '{' (it would be
	// negative), so a document starting with '{' is JSON whatever its type.
	if trimmed := bytes.TrimLeft(doc, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '{' {
		isJSON = true
	}
	if isJSON {
		return parseCapabilitiesJSON(doc)
	}
	var sc ServerCapabilities
	n, err := DecodeRecord(doc, &sc)
	if err != nil {
		return nil, fmt.Errorf("Avro binary ServerCapabilities: %w", err)
	}
	if n != len(doc) {
		return nil, fmt.Errorf("Avro binary ServerCapabilities: %d trailing bytes", len(doc)-n)
	}
	return &sc, nil
}

// jsonObject is a decoded JSON object whose members are decoded on demand.
type jsonObject map[string]json.RawMessage

func parseCapabilitiesJSON(doc []byte) (*ServerCapabilities, error) {
	var top jsonObject
	if err := decodeJSON(doc, &top); err != nil {
		return nil, fmt.Errorf("JSON ServerCapabilities: %w", err)
	}
	if top == nil {
		return nil, errors.New("JSON ServerCapabilities: not an object")
	}
	var sc ServerCapabilities
	p := jsonPath("ServerCapabilities")
	var err error
	if sc.ApplicationName, err = top.str(p, "applicationName"); err != nil {
		return nil, err
	}
	if sc.ApplicationVersion, err = top.str(p, "applicationVersion"); err != nil {
		return nil, err
	}
	if raw, ok := top["contactInformation"]; ok && !isJSONNull(raw) {
		var c jsonObject
		cp := p.field("contactInformation")
		if err := decodeJSON(raw, &c); err != nil {
			return nil, cp.wrap(err)
		}
		for _, f := range []struct {
			name string
			dst  *string
		}{{"organizationName", &sc.ContactInformation.OrganizationName}, {"contactName", &sc.ContactInformation.ContactName},
			{"contactPhone", &sc.ContactInformation.ContactPhone}, {"contactEmail", &sc.ContactInformation.ContactEmail}} {
			if *f.dst, err = c.str(cp, f.name); err != nil {
				return nil, err
			}
		}
	}
	for _, f := range []struct {
		name string
		dst  *[]string
	}{{"supportedCompression", &sc.SupportedCompression}, {"supportedEncodings", &sc.SupportedEncodings},
		{"supportedFormats", &sc.SupportedFormats}} {
		if *f.dst, err = top.strs(p, f.name); err != nil {
			return nil, err
		}
	}
	if raw, ok := top["supportedDataObjects"]; ok && !isJSONNull(raw) {
		dp := p.field("supportedDataObjects")
		var items []jsonObject
		if err := decodeJSON(raw, &items); err != nil {
			return nil, dp.wrap(err)
		}
		for i, it := range items {
			ip := dp.index(i)
			var d SupportedDataObject
			if d.QualifiedType, err = it.str(ip, "qualifiedType"); err != nil {
				return nil, err
			}
			if d.DataObjectCapabilities, err = it.valueMap(ip, "dataObjectCapabilities"); err != nil {
				return nil, err
			}
			sc.SupportedDataObjects = append(sc.SupportedDataObjects, d)
		}
	}
	if raw, ok := top["supportedProtocols"]; ok && !isJSONNull(raw) {
		pp := p.field("supportedProtocols")
		var items []jsonObject
		if err := decodeJSON(raw, &items); err != nil {
			return nil, pp.wrap(err)
		}
		for i, it := range items {
			ip := pp.index(i)
			var sp SupportedProtocol
			if sp.Protocol, err = it.int32(ip, "protocol"); err != nil {
				return nil, err
			}
			if raw, ok := it["protocolVersion"]; ok && !isJSONNull(raw) {
				vp := ip.field("protocolVersion")
				var v jsonObject
				if err := decodeJSON(raw, &v); err != nil {
					return nil, vp.wrap(err)
				}
				for _, f := range []struct {
					name string
					dst  *int32
				}{{"major", &sp.ProtocolVersion.Major}, {"minor", &sp.ProtocolVersion.Minor},
					{"revision", &sp.ProtocolVersion.Revision}, {"patch", &sp.ProtocolVersion.Patch}} {
					if *f.dst, err = v.int32(vp, f.name); err != nil {
						return nil, err
					}
				}
			}
			if sp.Role, err = it.str(ip, "role"); err != nil {
				return nil, err
			}
			if sp.ProtocolCapabilities, err = it.valueMap(ip, "protocolCapabilities"); err != nil {
				return nil, err
			}
			sc.SupportedProtocols = append(sc.SupportedProtocols, sp)
		}
	}
	if sc.EndpointCapabilities, err = top.valueMap(p, "endpointCapabilities"); err != nil {
		return nil, err
	}
	return &sc, nil
}

// jsonPath names the place of a value in the document, for errors.
type jsonPath string

func (p jsonPath) field(name string) jsonPath { return jsonPath(string(p) + "." + name) }
func (p jsonPath) index(i int) jsonPath       { return jsonPath(fmt.Sprintf("%s[%d]", p, i)) }
func (p jsonPath) wrap(err error) error       { return fmt.Errorf("JSON %s: %w", string(p), err) }

func decodeJSON(raw []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

func isJSONNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// unwrapUnion returns the value of a one-member union object {"type": v}
// whose type is one of names, or raw itself when it is not such an object.
func unwrapUnion(raw json.RawMessage, names ...string) json.RawMessage {
	var obj map[string]json.RawMessage
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		return raw
	}
	if json.Unmarshal(raw, &obj) != nil || len(obj) != 1 {
		return raw
	}
	for _, n := range names {
		if v, ok := obj[n]; ok {
			return v
		}
	}
	return raw
}

func (o jsonObject) str(p jsonPath, name string) (string, error) {
	raw, ok := o[name]
	if !ok || isJSONNull(raw) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(unwrapUnion(raw, "string"), &s); err != nil {
		return "", p.field(name).wrap(errors.New("want a string"))
	}
	return s, nil
}

func (o jsonObject) strs(p jsonPath, name string) ([]string, error) {
	raw, ok := o[name]
	if !ok || isJSONNull(raw) {
		return nil, nil
	}
	var s []string
	if err := json.Unmarshal(unwrapUnion(raw, "array"), &s); err != nil {
		return nil, p.field(name).wrap(errors.New("want an array of strings"))
	}
	return s, nil
}

func (o jsonObject) int32(p jsonPath, name string) (int32, error) {
	raw, ok := o[name]
	if !ok || isJSONNull(raw) {
		return 0, nil
	}
	var n json.Number
	if err := decodeJSON(unwrapUnion(raw, "int", "long"), &n); err != nil {
		return 0, p.field(name).wrap(errors.New("want an integer"))
	}
	v, err := n.Int64()
	if err != nil || v < math.MinInt32 || v > math.MaxInt32 {
		return 0, p.field(name).wrap(fmt.Errorf("%s is not a 32-bit integer", truncate(n.String(), 40)))
	}
	return int32(v), nil
}

// valueMap decodes a map<string, DataValue>.
func (o jsonObject) valueMap(p jsonPath, name string) (map[string]DataValue, error) {
	raw, ok := o[name]
	if !ok || isJSONNull(raw) {
		return nil, nil
	}
	mp := p.field(name)
	var m map[string]json.RawMessage
	if err := json.Unmarshal(unwrapUnion(raw, "map"), &m); err != nil {
		return nil, mp.wrap(errors.New("want an object"))
	}
	out := make(map[string]DataValue, len(m))
	for k, v := range m {
		dv, err := parseDataValueJSON(v)
		if err != nil {
			return nil, mp.field(k).wrap(err)
		}
		out[k] = dv
	}
	return out, nil
}

const datatypesNS = "Energistics.Etp.v12.Datatypes."

// parseDataValueJSON decodes the Avro-JSON form of a DataValue record,
// {"item": <union>}, where the union is null or {"<branch>": value} with the
// branch a primitive type name or a record's full (or short) name. For
// tolerance of hand-written documents it also accepts the union without the
// "item" record, and bare JSON scalars (integers as Long, other numbers as
// Double, booleans, strings, arrays of strings).
func parseDataValueJSON(raw json.RawMessage) (DataValue, error) {
	t := bytes.TrimSpace(raw)
	if len(t) > 0 && t[0] == '{' {
		var obj map[string]json.RawMessage
		if err := decodeJSON(t, &obj); err != nil {
			return nil, err
		}
		if item, ok := obj["item"]; ok && len(obj) == 1 {
			t = bytes.TrimSpace(item)
		}
	}
	if len(t) == 0 {
		return nil, errors.New("empty value")
	}
	switch t[0] {
	case 'n':
		if string(t) == "null" {
			return nil, nil
		}
	case 't', 'f':
		var b bool
		if err := json.Unmarshal(t, &b); err != nil {
			return nil, err
		}
		return Bool(b), nil
	case '"':
		var s string
		if err := json.Unmarshal(t, &s); err != nil {
			return nil, err
		}
		return String(s), nil
	case '[':
		var s []string
		if err := json.Unmarshal(t, &s); err != nil {
			return nil, errors.New("a bare array must hold strings")
		}
		return ArrayOfString{Values: s}, nil
	case '{':
		var obj map[string]json.RawMessage
		if err := decodeJSON(t, &obj); err != nil {
			return nil, err
		}
		if len(obj) != 1 {
			return nil, fmt.Errorf("a union value must have exactly one member, not %d", len(obj))
		}
		for branch, v := range obj {
			return parseBranchJSON(strings.TrimPrefix(branch, datatypesNS), v)
		}
	default:
		var n json.Number
		if err := decodeJSON(t, &n); err != nil {
			return nil, err
		}
		if i, err := n.Int64(); err == nil {
			return Long(i), nil
		}
		f, err := n.Float64()
		if err != nil {
			return nil, err
		}
		return Double(f), nil
	}
	return nil, fmt.Errorf("invalid value %s", truncate(string(t), 40))
}

func parseBranchJSON(branch string, v json.RawMessage) (DataValue, error) {
	num := func() (json.Number, error) {
		var n json.Number
		err := decodeJSON(v, &n)
		return n, err
	}
	switch branch {
	case "null":
		return nil, nil
	case "boolean":
		var b bool
		err := json.Unmarshal(v, &b)
		return Bool(b), err
	case "int":
		n, err := num()
		if err != nil {
			return nil, err
		}
		i, err := n.Int64()
		if err != nil || i < math.MinInt32 || i > math.MaxInt32 {
			return nil, fmt.Errorf("int value %s out of range", truncate(n.String(), 40))
		}
		return Int(i), nil
	case "long":
		n, err := num()
		if err != nil {
			return nil, err
		}
		i, err := n.Int64()
		if err != nil {
			return nil, fmt.Errorf("long value %s out of range", truncate(n.String(), 40))
		}
		return Long(i), nil
	case "float", "double":
		n, err := num()
		if err != nil {
			return nil, err
		}
		f, err := n.Float64()
		if err != nil {
			return nil, err
		}
		if branch == "float" {
			return Float(f), nil
		}
		return Double(f), nil
	case "string":
		var s string
		err := json.Unmarshal(v, &s)
		return String(s), err
	case "bytes":
		b, err := jsonBytes(v)
		return Bytes(b), err
	}
	switch branch {
	case "ArrayOfBoolean", "ArrayOfInt", "ArrayOfLong", "ArrayOfFloat", "ArrayOfDouble", "ArrayOfString",
		"ArrayOfNullableBoolean", "ArrayOfNullableInt", "ArrayOfNullableLong", "ArrayOfBytes":
	default:
		// AnySparseArray is not expected in capability documents.
		return nil, fmt.Errorf("unsupported DataValue branch %q", truncate(branch, 80))
	}
	var rec struct {
		Values json.RawMessage `json:"values"`
	}
	if err := json.Unmarshal(v, &rec); err != nil {
		return nil, fmt.Errorf("%s: want a record {\"values\": [...]}", branch)
	}
	vals := rec.Values
	if len(vals) == 0 {
		vals = json.RawMessage("[]")
	}
	var err error
	switch branch {
	case "ArrayOfBoolean":
		var x ArrayOfBoolean
		err = json.Unmarshal(vals, &x.Values)
		return x, err
	case "ArrayOfInt":
		var x ArrayOfInt
		err = json.Unmarshal(vals, &x.Values)
		return x, err
	case "ArrayOfLong":
		var x ArrayOfLong
		err = json.Unmarshal(vals, &x.Values)
		return x, err
	case "ArrayOfFloat":
		var x ArrayOfFloat
		err = json.Unmarshal(vals, &x.Values)
		return x, err
	case "ArrayOfDouble":
		var x ArrayOfDouble
		err = json.Unmarshal(vals, &x.Values)
		return x, err
	case "ArrayOfString":
		var x ArrayOfString
		err = json.Unmarshal(vals, &x.Values)
		return x, err
	case "ArrayOfNullableBoolean":
		var raws []json.RawMessage
		if err := json.Unmarshal(vals, &raws); err != nil {
			return nil, err
		}
		x := ArrayOfNullableBoolean{Values: make([]*bool, len(raws))}
		for i, r := range raws {
			if isJSONNull(r) {
				continue
			}
			var b bool
			if err := json.Unmarshal(unwrapUnion(r, "boolean"), &b); err != nil {
				return nil, fmt.Errorf("%s[%d]: %w", branch, i, err)
			}
			x.Values[i] = &b
		}
		return x, nil
	case "ArrayOfNullableInt", "ArrayOfNullableLong":
		var raws []json.RawMessage
		if err := json.Unmarshal(vals, &raws); err != nil {
			return nil, err
		}
		ints := make([]*int32, len(raws))
		longs := make([]*int64, len(raws))
		for i, r := range raws {
			if isJSONNull(r) {
				continue
			}
			var n json.Number
			if err := decodeJSON(unwrapUnion(r, "int", "long"), &n); err != nil {
				return nil, fmt.Errorf("%s[%d]: %w", branch, i, err)
			}
			v, err := n.Int64()
			if err != nil || (branch == "ArrayOfNullableInt" && (v < math.MinInt32 || v > math.MaxInt32)) {
				return nil, fmt.Errorf("%s[%d]: %s out of range", branch, i, truncate(n.String(), 40))
			}
			v32 := int32(v)
			ints[i], longs[i] = &v32, &v
		}
		if branch == "ArrayOfNullableInt" {
			return ArrayOfNullableInt{Values: ints}, nil
		}
		return ArrayOfNullableLong{Values: longs}, nil
	case "ArrayOfBytes":
		var raws []json.RawMessage
		if err := json.Unmarshal(vals, &raws); err != nil {
			return nil, err
		}
		x := ArrayOfBytes{Values: make([][]byte, len(raws))}
		for i, r := range raws {
			if x.Values[i], err = jsonBytes(r); err != nil {
				return nil, fmt.Errorf("%s[%d]: %w", branch, i, err)
			}
		}
		return x, nil
	}
	return nil, fmt.Errorf("unsupported DataValue branch %q", truncate(branch, 80))
}

// jsonBytes decodes an Avro-JSON bytes value: a string whose code points
// 0-255 are the bytes.
func jsonBytes(v json.RawMessage) ([]byte, error) {
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return nil, errors.New("want a string of bytes")
	}
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 255 {
			return nil, fmt.Errorf("code point U+%04X is not a byte", r)
		}
		out = append(out, byte(r))
	}
	return out, nil
}
