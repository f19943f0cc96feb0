// The links' statistics while the relay runs: the relay's thread owns the
// links and updates their counters without locks, so it publishes copies
// for other goroutines (the run's sampler) through a sequence lock, and
// never waits for a reader.
//
// The writer makes the sequence number odd, stores every word, and makes
// it even again; a reader copies the words between two reads of an even,
// unchanged sequence number, and tries again otherwise. Every word is an
// atomic, so the copy is free of data races as Go's memory model defines
// them; the writer never waits, whatever the readers do.
//
// The relay publishes when the links have changed since its last
// publication and it is about to sleep (everything it did is then visible
// to a sampler that wakes during the sleep) or publishEvery has passed, so
// a snapshot is never older than that while the links change, and a relay
// with nothing to do publishes nothing.

package tun

import (
	"sync/atomic"

	"github.com/ccbench/ccbench/netem"
	"github.com/ccbench/ccbench/units"
)

// publishEvery bounds how stale a busy relay's published statistics may
// be: a two-hundredth of the shortest sample interval a run would use (10
// ms). A publication costs about 250 ns (52 sequentially consistent
// stores), half a percent of the relay's time at this spacing.
const publishEvery = 50 * units.Microsecond

// statWords is how many 64-bit words one link's published statistics take.
const statWords = 26

// liveLinks is the published copy of both links' statistics.
type liveLinks struct {
	seq atomic.Uint64
	// at is the relay's clock at the publication.
	at    atomic.Int64
	words [2][statWords]atomic.Int64
	// next is when the busy relay publishes again, and changed is set when
	// the links may have changed since the last publication; only the
	// relay's thread uses them.
	next    units.Time
	changed bool
}

// publish stores fwd's and rev's statistics as of now.
func (l *liveLinks) publish(now units.Time, fwd, rev *netem.LinkStats) {
	l.seq.Add(1)
	l.at.Store(int64(now))
	packStats(&l.words[0], fwd)
	packStats(&l.words[1], rev)
	l.seq.Add(1)
	l.next = now.Add(publishEvery)
	l.changed = false
}

// read copies the latest publication. The writer holds the odd sequence
// for well under a microsecond, so the loop ends within a few rounds.
func (l *liveLinks) read(fwd, rev *netem.LinkStats) units.Time {
	for {
		s := l.seq.Load()
		if s&1 != 0 {
			continue
		}
		at := units.Time(l.at.Load())
		unpackStats(&l.words[0], fwd)
		unpackStats(&l.words[1], rev)
		if l.seq.Load() == s {
			return at
		}
	}
}

// packStats and unpackStats list every counter of netem.LinkStats but its
// configuration, which does not change while the relay runs, in one order.
func packStats(w *[statWords]atomic.Int64, s *netem.LinkStats) {
	for i, v := range [statWords]int64{
		s.EnqueuedPackets, s.EnqueuedBytes,
		s.DuplicatedPackets, s.DuplicatedBytes,
		s.LostPackets, s.LostBytes,
		s.PolicedPackets, s.PolicedBytes,
		s.CorruptedPackets, s.CorruptedBytes,
		s.ReorderedPackets,
		s.DroppedPackets, s.DroppedBytes,
		s.DeliveredPackets, s.DeliveredBytes,
		s.MarkedPackets, s.MarkedBytes,
		int64(s.QueuePackets), int64(s.QueueBytes),
		int64(s.MaxQueuePackets), int64(s.MaxQueueBytes),
		int64(s.InSystemPackets), int64(s.InSystemBytes),
		s.ServedPackets, int64(s.SojournTotal),
		int64(s.BusyTime),
	} {
		w[i].Store(v)
	}
}

func unpackStats(w *[statWords]atomic.Int64, s *netem.LinkStats) {
	var v [statWords]int64
	for i := range v {
		v[i] = w[i].Load()
	}
	s.EnqueuedPackets, s.EnqueuedBytes = v[0], v[1]
	s.DuplicatedPackets, s.DuplicatedBytes = v[2], v[3]
	s.LostPackets, s.LostBytes = v[4], v[5]
	s.PolicedPackets, s.PolicedBytes = v[6], v[7]
	s.CorruptedPackets, s.CorruptedBytes = v[8], v[9]
	s.ReorderedPackets = v[10]
	s.DroppedPackets, s.DroppedBytes = v[11], v[12]
	s.DeliveredPackets, s.DeliveredBytes = v[13], v[14]
	s.MarkedPackets, s.MarkedBytes = v[15], v[16]
	s.QueuePackets, s.QueueBytes = int(v[17]), int(v[18])
	s.MaxQueuePackets, s.MaxQueueBytes = int(v[19]), int(v[20])
	s.InSystemPackets, s.InSystemBytes = int(v[21]), int(v[22])
	s.ServedPackets, s.SojournTotal = v[23], units.Duration(v[24])
	s.BusyTime = units.Duration(v[25])
}
