//go:build !linux

package packet

// newSlab returns nil: outside Linux every packet comes from the Go heap.
func newSlab() []slot { return nil }
