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

// BenchmarkTxTimeMemo is a link's usual sequence: full-sized packets with
// an ACK-sized one now and then, at one rate.
func BenchmarkTxTimeMemo(b *testing.B) {
	b.ReportAllocs()
	var m TxTimeMemo
	r := benchRate
	for i := 0; i < b.N; i++ {
		n := 1500
		if i&7 == 0 {
			n = 52
		}
		sinkDuration += m.TxTime(r, n)
	}
}

// TxTimeMemo answers as TxTime does whatever the sequence of rates and
// sizes: repeats, alternations, zero and the extremes, starting from the
// zero value.
func TestTxTimeMemoMatchesTxTime(t *testing.T) {
	rates := []Rate{0, 1, 56 * KbitPerSecond, benchRate, 10 * GbitPerSecond, MaxRate}
	sizes := []int{0, 1, 52, 1500, 1500, 65536, 1 << 40}
	var m TxTimeMemo
	seq := uint64(1)
	for i := 0; i < 20000; i++ {
		seq = seq*6364136223846793005 + 1442695040888963407
		r := rates[(seq>>33)%uint64(len(rates))]
		n := sizes[(seq>>45)%uint64(len(sizes))]
		if i%3 == 0 {
			n = 1500 // runs of one size, as on a link
		}
		if got, want := m.TxTime(r, n), r.TxTime(n); got != want {
			t.Fatalf("step %d: TxTimeMemo.TxTime(%v, %d) = %v, want %v", i, r, n, got, want)
		}
	}
}
