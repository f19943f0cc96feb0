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
