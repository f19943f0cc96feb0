package packet

import "testing"

// TestPrependMetaIsPrependAndSetMetaHeaderLen checks PrependMeta against the
// two calls it stands for, on every headroom and length, panics included.
func TestPrependMetaIsPrependAndSetMetaHeaderLen(t *testing.T) {
	panics := func(f func()) (p bool) {
		defer func() { p = recover() != nil }()
		f()
		return false
	}
	for start := 0; start <= Headroom+8; start++ {
		for n := -2; n <= start+2; n++ {
			var a, b Packet
			a.Reset()
			b.Reset()
			a.start, b.start = start, start
			a.end, b.end = start+100, start+100
			pa := panics(func() { a.Prepend(n); a.SetMetaHeaderLen(n) })
			pb := panics(func() { b.PrependMeta(n) })
			if pa != pb || !pa && (a.start != b.start || a.end != b.end || a.metaLen != b.metaLen) {
				t.Fatalf("start %d n %d: PrependMeta gives start %d end %d meta %d panic %v, want %d %d %d %v",
					start, n, b.start, b.end, b.metaLen, pb, a.start, a.end, a.metaLen, pa)
			}
		}
	}
}

// TestReserveIsSetLenAndTrimFront checks Reserve against the two calls it
// stands for, for every headroom it is given and length, panics included.
func TestReserveIsSetLenAndTrimFront(t *testing.T) {
	panics := func(f func()) (p bool) {
		defer func() { p = recover() != nil }()
		f()
		return false
	}
	for _, start := range []int{0, 1, Headroom, Capacity - 100, Capacity - 1, Capacity} {
		for _, front := range []int{0, 1, 60, 100} {
			for n := -2; start+front+n <= Capacity+2; n++ {
				var a, b Packet
				a.Reset()
				b.Reset()
				a.start, b.start = start, start
				a.end, b.end = start, start
				pa := panics(func() { a.SetLen(front + n); a.TrimFront(front) })
				pb := panics(func() { b.Reserve(front, n) })
				if pa != pb || !pa && (a.start != b.start || a.end != b.end) {
					t.Fatalf("start %d front %d n %d: Reserve gives %d-%d panic %v, want %d-%d %v",
						start, front, n, b.start, b.end, pb, a.start, a.end, pa)
				}
			}
		}
	}
}

// TestBytesAfterIsBytesFrom checks BytesAfter(n) against Bytes()[n:]: the
// same bytes, length and capacity, and a panic past the end.
func TestBytesAfterIsBytesFrom(t *testing.T) {
	panics := func(f func()) (p bool) {
		defer func() { p = recover() != nil }()
		f()
		return false
	}
	for _, start := range []int{0, 1, Headroom, Capacity - 100, Capacity} {
		for _, length := range []int{0, 1, 40, 100} {
			if start+length > Capacity {
				continue
			}
			var p Packet
			p.Reset()
			p.start, p.end = start, start+length
			for n := 0; n <= length+2; n++ {
				var a, b []byte
				pa := panics(func() { a = p.Bytes()[n:] })
				pb := panics(func() { b = p.BytesAfter(n) })
				if pa != pb || !pa && (len(a) != len(b) || cap(a) != cap(b) || cap(a) > 0 && &a[:1][0] != &b[:1][0]) {
					t.Fatalf("start %d length %d n %d: BytesAfter differs from Bytes()[n:] (panic %v, want %v)", start, length, n, pb, pa)
				}
			}
		}
	}
}
