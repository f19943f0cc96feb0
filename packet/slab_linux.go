package packet

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Packets beyond the first few hundred a pool makes come from slabs of
// anonymous memory that Linux may back with 2 MiB pages (madvise
// MADV_HUGEPAGE; transparent huge pages in "madvise" or "always" mode).
// A run with many flows keeps thousands of packets in its queues and on
// its links, megabytes that 4 KiB pages cover with thousands of TLB
// entries: with the packets on huge pages, reaching a cold one costs a
// cache miss, not a page walk as well. A Packet holds no pointers, so
// memory the Go heap does not manage may hold it; slabs are never
// returned, as the pool never returns packets.

// slabBytes is one slab: four huge pages.
const slabBytes = 8 << 20

// hugePage is the huge page size the slabs are aligned to.
const hugePage = 2 << 20

// newSlab maps a slab aligned to a huge page and returns its packets, or
// nil when the mapping fails (the pool then takes packets from the Go
// heap).
func newSlab() []slot {
	mem, err := unix.Mmap(-1, 0, slabBytes+hugePage, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil
	}
	start := (hugePage - int(uintptr(unsafe.Pointer(&mem[0])))%hugePage) % hugePage
	mem = mem[start : start+slabBytes]
	_ = unix.Madvise(mem, unix.MADV_HUGEPAGE) // a hint: without it, small pages
	return unsafe.Slice((*slot)(unsafe.Pointer(&mem[0])), slabBytes/unsafe.Sizeof(slot{}))
}
