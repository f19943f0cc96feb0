package units

import "strconv"

// Rate is a bit rate in bits per second.
type Rate int64

const (
	BitPerSecond  Rate = 1
	KbitPerSecond      = 1000 * BitPerSecond
	MbitPerSecond      = 1000 * KbitPerSecond
	GbitPerSecond      = 1000 * MbitPerSecond
)

// TxTime is how long a link of rate r takes to serialize n bytes, rounded up
// to the next nanosecond so a busy link is never modelled as faster than r.
func (r Rate) TxTime(n int) Duration {
	if r <= 0 {
		return 0
	}
	bits := int64(n) * 8 * int64(Second)
	return Duration((bits + int64(r) - 1) / int64(r))
}

// BytesIn is how many whole bytes a link of rate r carries in d.
func (r Rate) BytesIn(d Duration) int64 {
	// Split to avoid overflowing int64 for long spans at high rates.
	sec := int64(d / Second)
	rem := int64(d % Second)
	return (sec*int64(r) + rem*int64(r)/int64(Second)) / 8
}

// Mbps returns r in floating-point megabits per second.
func (r Rate) Mbps() float64 { return float64(r) / 1e6 }

func (r Rate) String() string {
	switch {
	case r >= GbitPerSecond && r%GbitPerSecond == 0:
		return strconv.FormatInt(int64(r/GbitPerSecond), 10) + "Gbit/s"
	case r >= MbitPerSecond:
		return trimFloat(float64(r)/1e6) + "Mbit/s"
	case r >= KbitPerSecond:
		return trimFloat(float64(r)/1e3) + "kbit/s"
	default:
		return strconv.FormatInt(int64(r), 10) + "bit/s"
	}
}
