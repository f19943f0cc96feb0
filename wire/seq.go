package wire

// Sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4). Comparisons are
// valid while the two numbers are less than 2^31 apart, which TCP's window
// limits guarantee.

// Seq is a TCP sequence number.
type Seq uint32

// Add returns s+n modulo 2^32.
func (s Seq) Add(n int) Seq { return s + Seq(uint32(n)) }

// Sub returns the signed distance s-t.
func (s Seq) Sub(t Seq) int { return int(int32(s - t)) }

// LT reports s < t.
func (s Seq) LT(t Seq) bool { return int32(s-t) < 0 }

// LEQ reports s <= t.
func (s Seq) LEQ(t Seq) bool { return int32(s-t) <= 0 }

// GT reports s > t.
func (s Seq) GT(t Seq) bool { return int32(s-t) > 0 }

// GEQ reports s >= t.
func (s Seq) GEQ(t Seq) bool { return int32(s-t) >= 0 }

// InWindow reports whether s lies in [start, start+size).
func (s Seq) InWindow(start Seq, size int) bool {
	return uint32(s-start) < uint32(size)
}

// MaxSeq returns the later of a and b.
func MaxSeq(a, b Seq) Seq {
	if a.GT(b) {
		return a
	}
	return b
}

// MinSeq returns the earlier of a and b.
func MinSeq(a, b Seq) Seq {
	if a.LT(b) {
		return a
	}
	return b
}
