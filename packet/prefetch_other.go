//go:build !amd64 && !arm64

package packet

// Prefetch does nothing on this architecture (see prefetch.go).
func Prefetch(p *Packet) {}
