//go:build race

package e2e

// raceBuild: under `go test -race` the binary under test is built with
// the race detector too, so the end-to-end runs check the CLI and engine
// for data races under real concurrency.
const raceBuild = true
