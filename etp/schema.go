package etp

import (
	"embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/hamba/avro/v2"
)

// schemaFS holds the project's own Avro definitions of every type the codec
// implements, one file per namespace; each file is a JSON array of named
// types that refer to others by full name. Message records carry the
// attributes protocol, messageType (JSON strings) and multipartFlag, as in
// the official etp.avpr.
//
//go:embed schemas/*.json
var schemaFS embed.FS

// schemaFiles lists the embedded files in dependency order.
var schemaFiles = []string{
	"datatypes.json", "object.json", "dataarraytypes.json",
	"core.json", "discovery.json", "store.json", "dataarray.json", "transaction.json", "dataspace.json",
}

type parsedSchemas struct {
	byName map[string]avro.Schema
	order  []string
}

var loadSchemas = sync.OnceValues(func() (*parsedSchemas, error) {
	cache := &avro.SchemaCache{}
	p := &parsedSchemas{byName: map[string]avro.Schema{}}
	for _, f := range schemaFiles {
		raw, err := schemaFS.ReadFile("schemas/" + f)
		if err != nil {
			return nil, fmt.Errorf("etp: read schema %s: %w", f, err)
		}
		var types []json.RawMessage
		if err := json.Unmarshal(raw, &types); err != nil {
			return nil, fmt.Errorf("etp: schema %s: %w", f, err)
		}
		for i, t := range types {
			s, err := avro.ParseBytesWithCache(t, "", cache)
			if err != nil {
				return nil, fmt.Errorf("etp: schema %s type %d: %w", f, i, err)
			}
			named, ok := s.(avro.NamedSchema)
			if !ok {
				return nil, fmt.Errorf("etp: schema %s type %d is not a named type", f, i)
			}
			p.byName[named.FullName()] = s
			p.order = append(p.order, named.FullName())
		}
	}
	return p, nil
})

// Schema returns the project's Avro schema (parsed with hamba/avro) of the
// named type, e.g. "Energistics.Etp.v12.Protocol.DataArray.GetDataSubarrays"
// or "Energistics.Etp.v12.Datatypes.DataValue". The embedded schemas are
// parsed once, on first use; the returned schema must not be modified. It is
// safe for concurrent use.
func Schema(fullName string) (avro.Schema, error) {
	p, err := loadSchemas()
	if err != nil {
		return nil, err
	}
	s, ok := p.byName[fullName]
	if !ok {
		return nil, fmt.Errorf("etp: no schema named %q", fullName)
	}
	return s, nil
}

// SchemaNames returns the full names of every embedded schema, in dependency
// order (a type comes after the types it refers to). The slice is a fresh
// copy.
func SchemaNames() ([]string, error) {
	p, err := loadSchemas()
	if err != nil {
		return nil, err
	}
	return append([]string(nil), p.order...), nil
}
