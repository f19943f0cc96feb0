package units

// DivMemo is n / d for non-negative n and positive d with the last
// quotient kept: for a caller whose dividend moves by less than the divisor
// from one call to the next (a window in bytes divided by the segment size,
// asked once per ACK), most calls compare instead of dividing. An integer
// division takes tens of cycles, more than the rest of such a caller's
// arithmetic. The zero value is ready to use.
type DivMemo struct {
	d, lo, q int // n in [lo, lo+d) gives q
}

// Div is n / d. A negative n or a d of 0 or less is divided as Go divides,
// without the memo.
func (m *DivMemo) Div(n, d int) int {
	if n < 0 || d <= 0 {
		return n / d
	}
	if d != m.d || n < m.lo || n-m.lo >= d {
		m.d, m.q = d, n/d
		m.lo = m.q * d
	}
	return m.q
}
