// Package epc reads and writes Energistics Packaging Conventions (EPC)
// files: the Open Packaging Conventions (OPC, ECMA-376 part 2) zip archives
// in which RESQML, WITSML, PRODML and EML data objects travel as XML parts,
// next to HDF5 files that hold their arrays.
//
// [Open] reads a package: it parses [Content_Types].xml (Default content
// types by extension, Override by part name), the package relationships
// (_rels/.rels, with the core properties part) and each data object part's
// relationships (_rels/<part>.rels). For every data object it records the
// content type, qualified type (resqml20.obj_Grid2dRepresentation,
// eml20.obj_EpcExternalPartReference, resqml22.Grid2dRepresentation, ...),
// uuid, title and version, the arrays the XML points at (RESQML 2.0.1
// eml:PathInHdfFile with its eml:HdfProxy, RESQML 2.2 / EML 2.3
// ExternalDataArrayPart with PathInExternalFile and URI) and every data
// object reference, so that dangling references can be reported
// ([Package.Dangling]). The HDF5 files are named by the externalResource
// relationships of the EpcExternalPartReference objects and resolved against
// the .epc file's directory ([Package.ExternalFiles]).
//
// [Create] writes a package one part after another: [Writer.Add] takes a data
// object's XML and derives its part name (<type>_<uuid>.xml, as other RESQML
// tools name parts), content type and relationships from it;
// [Writer.AddExternalPart] names the HDF5 file of an EpcExternalPartReference;
// [Writer.Close] writes the relationship parts (destinationObject and
// sourceObject between referring and referred objects, mlToExternalPartProxy
// and externalPartProxyToMl towards EpcExternalPartReference objects,
// externalResource with TargetMode="External" from each of those to its HDF5
// file), docProps/core.xml, _rels/.rels and [Content_Types].xml, then renames
// a temporary file into place, so a package is never seen half written.
//
// # Limits
//
// Packages come from outside, so reading is bounded: a part may hold at most
// [OpenOptions].MaxPartSize bytes once inflated (default 256 MiB, checked
// while reading, whatever the zip headers claim), a package at most
// [OpenOptions].MaxParts entries (default 100000), and XML may nest at most
// 1000 elements deep. Entry names that are absolute or contain ".." are
// refused. encoding/xml never expands external entities. Errors are
// [*Error] values naming the package and the part.
package epc
