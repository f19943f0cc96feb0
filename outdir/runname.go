package outdir

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/ccbench/ccbench/experiment"
)

// RunName is the default name of a run's folder: the seed, plus a short
// hash of the --set overrides when there are any, so that runs of the same
// file with different overrides do not overwrite each other.
func RunName(cfg *experiment.Config, sets []string) string {
	name := "seed-" + strconv.FormatUint(cfg.Seed, 10)
	if len(sets) > 0 {
		h := sha256.Sum256([]byte(strings.Join(sets, "\x00")))
		name += "-" + hex.EncodeToString(h[:4])
	}
	return name
}
