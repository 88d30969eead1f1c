//go:build !(386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64 || wasm)

package etp

// nativeLittleEndian is false on big-endian (or unknown) hosts: float arrays
// are converted value by value.
const nativeLittleEndian = false
