package units

import "testing"

// The per-packet conversions: netem's serializer and policer and the
// stack's pacer call TxTime for every packet, BBR calls BytesIn on every
// ACK. They must stay allocation-free.

var (
	sinkDuration Duration
	sinkBytes    int64
	// benchRate is a variable so the compiler cannot fold the division,
	// as it cannot in netem, which reads the rate from the link.
	benchRate = 100 * MbitPerSecond
)

func BenchmarkTxTime(b *testing.B) {
	b.ReportAllocs()
	r := benchRate
	for i := 0; i < b.N; i++ {
		sinkDuration += r.TxTime(1500 + i&63)
	}
}

func BenchmarkBytesIn(b *testing.B) {
	b.ReportAllocs()
	r := benchRate
	for i := 0; i < b.N; i++ {
		sinkBytes += r.BytesIn(Millisecond + Duration(i&63))
	}
}

// TestPerPacketConversionsAllocateNothing keeps TxTime and BytesIn free of
// allocations over their whole range, the 128-bit paths included.
func TestPerPacketConversionsAllocateNothing(t *testing.T) {
	for _, n := range []int{0, 1500, 1 << 40, 1<<63 - 1} {
		for _, r := range []Rate{1, benchRate, MaxRate} {
			if a := testing.AllocsPerRun(100, func() { sinkDuration += r.TxTime(n) }); a != 0 {
				t.Errorf("%v.TxTime(%d): %v allocations", r, n, a)
			}
			if a := testing.AllocsPerRun(100, func() { sinkBytes += r.BytesIn(Duration(n)) }); a != 0 {
				t.Errorf("%v.BytesIn(%d): %v allocations", r, n, a)
			}
		}
	}
}
