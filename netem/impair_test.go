package netem

import (
	"bytes"
	"math"
	"math/bits"
	"testing"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/wire"
)

// ipv4Packet returns an IPv4-looking datagram of n bytes (IHL 5) whose
// bytes past the header are a known pattern.
func ipv4Packet(n int) *packet.Packet {
	p := new(packet.Packet)
	p.Reset()
	p.SetLen(n)
	b := p.Bytes()
	b[0] = 0x45
	for i := wire.IPv4MinHeaderLen; i < n; i++ {
		b[i] = byte(i * 7)
	}
	return p
}

func TestDuplicateRateInsideBinomial99Interval(t *testing.T) {
	// n = 200000 at p = 0.1: mean 20000 duplicates, sd sqrt(n p (1-p)) =
	// 134.2, 99% interval ± 2.576 sd = ± 346.
	const (
		n = 200_000
		p = 0.1
	)
	d := NewDuplicator(p, 0, 1)
	k := 0
	for range n {
		if d.Duplicate(0, nil) {
			k++
		}
	}
	if sd := math.Sqrt(n * p * (1 - p)); math.Abs(float64(k)-n*p) > 2.576*sd {
		t.Fatalf("%d duplicates, want %.0f ± %.0f", k, n*p, 2.576*sd)
	}
}

func TestDuplicateCorrelationMakesRuns(t *testing.T) {
	// Independent decisions at p = 0.5 change value every other packet on
	// average; with C = 0.9 the variate drifts slowly across 0.5, so
	// changes are several times rarer.
	count := func(rho float64) int {
		d := NewDuplicator(0.5, rho, 2)
		changes, prev := 0, false
		for range 100000 {
			v := d.Duplicate(0, nil)
			if v != prev {
				changes++
			}
			prev = v
		}
		return changes
	}
	free, corr := count(0), count(0.9)
	if free < 49000 || free > 51000 {
		t.Fatalf("%d changes of 100000 without correlation, want about 50000", free)
	}
	if corr > free/3 {
		t.Fatalf("%d changes with correlation 0.9, want under a third of %d", corr, free)
	}
}

func TestClonePacketCopiesBytesAndFlow(t *testing.T) {
	var pool packet.Pool
	p := ipv4Packet(300)
	p.Flow = 7
	c := ClonePacket(&pool, p)
	if !bytes.Equal(c.Bytes(), p.Bytes()) || c.Flow != 7 || c == p {
		t.Fatal("clone differs from the original or is the original")
	}
}

func TestCorruptFlipsOneBitPastTheHeader(t *testing.T) {
	// p = 0.05 over n = 100000 packets of 1500 bytes: the count is inside
	// the binomial 99% interval 5000 ± 2.576*68.9; each corrupted packet
	// differs from the original in exactly one bit, past byte 20; the
	// flipped bit's index past the header is uniform on [0, 11840) with
	// mean 5919.5 and sd 3418, so the mean over about 5000 flips lies
	// within 4*3418/sqrt(k) of 5919.5.
	const (
		n    = 100_000
		p    = 0.05
		size = 1500
	)
	c := NewCorrupter(p, 0, 3)
	ref := ipv4Packet(size)
	pk := ipv4Packet(size)
	k := 0
	var sumIndex float64
	for i := range n {
		if !c.Corrupt(0, pk) {
			if !bytes.Equal(pk.Bytes(), ref.Bytes()) {
				t.Fatalf("packet %d changed though Corrupt reported false", i)
			}
			continue
		}
		k++
		flipped := 0
		for j, b := range pk.Bytes() {
			if diff := b ^ ref.Bytes()[j]; diff != 0 {
				if j < wire.IPv4MinHeaderLen {
					t.Fatalf("packet %d: byte %d of the IP header changed", i, j)
				}
				flipped += bits.OnesCount8(diff)
				sumIndex += float64((j-wire.IPv4MinHeaderLen)*8 + bits.TrailingZeros8(diff))
				pk.Bytes()[j] = ref.Bytes()[j]
			}
		}
		if flipped != 1 {
			t.Fatalf("packet %d: %d bits flipped, want 1", i, flipped)
		}
	}
	if sd := math.Sqrt(n * p * (1 - p)); math.Abs(float64(k)-n*p) > 2.576*sd {
		t.Errorf("%d corrupted, want %.0f ± %.0f", k, n*p, 2.576*sd)
	}
	span := float64((size - wire.IPv4MinHeaderLen) * 8)
	mean, want := sumIndex/float64(k), (span-1)/2
	if tol := 4 * math.Sqrt((span*span-1)/12/float64(k)); math.Abs(mean-want) > tol {
		t.Errorf("mean flipped bit index %.1f, want %.1f ± %.1f", mean, want, tol)
	}
}

func TestCorruptLeavesNonIPv4Alone(t *testing.T) {
	c := NewCorrupter(1, 0, 1)
	header := ipv4Packet(wire.IPv4MinHeaderLen)
	if c.Corrupt(0, header) {
		t.Fatal("corrupted a packet with nothing past its header")
	}
	v6 := ipv4Packet(100)
	v6.Bytes()[0] = 0x60
	if c.Corrupt(0, v6) {
		t.Fatal("corrupted a packet that is not IPv4")
	}
	if !c.Corrupt(0, ipv4Packet(21)) {
		t.Fatal("did not corrupt at probability 1")
	}
}

func immediates(r *Reorderer, n int) []bool {
	out := make([]bool, n)
	for i := range out {
		out[i] = r.Immediate(0, nil)
	}
	return out
}

func TestReorderGapIsExact(t *testing.T) {
	// P = 1, gap 5: packets 4, 9, 14, ... skip the delay, no others.
	for i, imm := range immediates(NewReorderer(1, 0, 5, 1), 100) {
		if imm != (i%5 == 4) {
			t.Fatalf("packet %d immediate=%v with P=1 gap=5", i, imm)
		}
	}
	for i, imm := range immediates(NewReorderer(1, 0, 0, 1), 100) {
		if imm {
			t.Fatalf("packet %d reordered with gap 0", i)
		}
	}
}

func TestReorderFraction(t *testing.T) {
	// Gap 1, P = 0.25: independent, binomial 99% interval around n/4.
	// Gap 3, P = 0.5: each cycle is 2 delayed packets then a geometric
	// number (mean 2) of eligible ones ending in a skip, so 1 packet in 4
	// skips; the cycle length has variance (1-P)/P^2 = 2, and the renewal
	// count's sd is sqrt(n*2/4^3) = 79 for n = 200000.
	const n = 200_000
	k := 0
	for _, imm := range immediates(NewReorderer(0.25, 0, 1, 2), n) {
		if imm {
			k++
		}
	}
	if sd := math.Sqrt(n * 0.25 * 0.75); math.Abs(float64(k)-n/4) > 2.576*sd {
		t.Errorf("gap 1: %d immediate, want %d ± %.0f", k, n/4, 2.576*sd)
	}
	k = 0
	for _, imm := range immediates(NewReorderer(0.5, 0, 3, 2), n) {
		if imm {
			k++
		}
	}
	if sd := math.Sqrt(n * 2.0 / 64); math.Abs(float64(k)-n/4) > 4*sd {
		t.Errorf("gap 3: %d immediate, want %d ± %.0f", k, n/4, 4*sd)
	}
}

func TestImpairmentsAllocateNothing(t *testing.T) {
	d, c, r := NewDuplicator(0.5, 0.2, 1), NewCorrupter(0.5, 0.2, 1), NewReorderer(0.5, 0.2, 2, 1)
	pk := ipv4Packet(1500)
	allocs := testing.AllocsPerRun(1000, func() {
		d.Duplicate(0, pk)
		c.Corrupt(0, pk)
		r.Immediate(0, pk)
	})
	if allocs != 0 {
		t.Fatalf("impairments allocate %v per packet", allocs)
	}
}

func BenchmarkDuplicate(b *testing.B) {
	d := NewDuplicator(0.01, 0.25, 1)
	b.ReportAllocs()
	for b.Loop() {
		d.Duplicate(0, nil)
	}
}

func BenchmarkCorrupt(b *testing.B) {
	c := NewCorrupter(1, 0, 1)
	pk := ipv4Packet(1500)
	b.ReportAllocs()
	for b.Loop() {
		c.Corrupt(0, pk)
	}
}

func BenchmarkReorderImmediate(b *testing.B) {
	r := NewReorderer(0.25, 0, 3, 1)
	b.ReportAllocs()
	for b.Loop() {
		r.Immediate(0, nil)
	}
}
