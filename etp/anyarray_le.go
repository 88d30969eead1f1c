//go:build 386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64 || wasm

package etp

// nativeLittleEndian selects the raw-memory fast path for float arrays.
const nativeLittleEndian = true
