package stack

import "github.com/ccbench/ccbench/wire"

// Seq and the TCP flags are the stack's own vocabulary as much as the
// codec's: they appear on hundreds of lines of the state machine, which
// reads better without a package name on each.
type Seq = wire.Seq

// The TCP header flags, as wire defines them.
const (
	FlagFIN = wire.FlagFIN
	FlagSYN = wire.FlagSYN
	FlagRST = wire.FlagRST
	FlagPSH = wire.FlagPSH
	FlagACK = wire.FlagACK
	FlagURG = wire.FlagURG
	FlagECE = wire.FlagECE
	FlagCWR = wire.FlagCWR
)
