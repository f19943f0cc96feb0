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

// DivMemo divides as Go does for every sign of dividend, from the zero
// value, over sequences that stay in one quotient, cross to the next, jump
// and change divisor.
func TestDivMemoMatchesDivision(t *testing.T) {
	var m DivMemo
	seq := uint64(7)
	n, d := 0, 1448
	for i := 0; i < 100000; i++ {
		seq = seq*6364136223846793005 + 1442695040888963407
		switch r := seq >> 60; {
		case r < 10:
			n += int(seq>>40&0x3ff) - 300 // a small step either way
		case r < 13:
			n = int(seq>>20&0xfffff) - 1000 // a jump, now and then negative
		case r < 15:
			d = []int{1, 2, 536, 1448, 1460, 8948}[seq>>32%6]
		default:
			n = 1<<62 + int(seq>>40)
		}
		if got, want := m.Div(n, d), n/d; got != want {
			t.Fatalf("step %d: Div(%d, %d) = %d, want %d", i, n, d, got, want)
		}
	}
}

func BenchmarkDivMemo(b *testing.B) {
	b.ReportAllocs()
	var m DivMemo
	n, d := 1_000_000, 1448
	for i := 0; i < b.N; i++ {
		n += i & 255
		sinkBytes += int64(m.Div(n, d))
	}
}
