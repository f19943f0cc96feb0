//go:build amd64 || arm64

package packet

import "unsafe"

// Prefetch asks the CPU to bring p's metadata and first header bytes (the
// 128 bytes at its start, Packet's layout) into the cache, without waiting
// for them. A link hands its next packet to the driver's next event; a
// packet that waited behind thousands of others in a queue and on a long
// medium has left the cache by then, and its receiver's first read of it
// would stall on memory. Prefetching the packet after the one being
// delivered lets that fetch overlap the current packet's processing.
// It never faults, whatever p's state; a nil p is skipped.
func Prefetch(p *Packet) {
	if p != nil {
		prefetch(uintptr(unsafe.Pointer(p)))
	}
}

// prefetch issues cache prefetches for the two 64-byte lines at addr.
//
//go:noescape
func prefetch(addr uintptr)
