package tun

import (
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestTCPInfoChronoOffsets pins where unix.TCPInfo reads the chrono
// fields: at the offsets of struct tcp_info in Linux 6.x's
// include/uapi/linux/tcp.h (8 bytes of u8 fields, 24 u32 to 104, four u64
// to 136, six u32 to 160, then tcpi_delivery_rate, tcpi_busy_time,
// tcpi_rwnd_limited and tcpi_sndbuf_limited as u64). A binding that moved
// them would read another counter as time held back.
func TestTCPInfoChronoOffsets(t *testing.T) {
	var info unix.TCPInfo
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"tcpi_total_retrans", unsafe.Offsetof(info.Total_retrans), 100},
		{"tcpi_bytes_acked", unsafe.Offsetof(info.Bytes_acked), 120},
		{"tcpi_delivery_rate", unsafe.Offsetof(info.Delivery_rate), 160},
		{"tcpi_busy_time", unsafe.Offsetof(info.Busy_time), 168},
		{"tcpi_rwnd_limited", unsafe.Offsetof(info.Rwnd_limited), 176},
		{"tcpi_sndbuf_limited", unsafe.Offsetof(info.Sndbuf_limited), 184},
	} {
		if c.got != c.want {
			t.Errorf("%s at offset %d, want %d", c.name, c.got, c.want)
		}
	}
}
