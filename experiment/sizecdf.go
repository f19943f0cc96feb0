// Empirical flow-size distributions: the CDF files of the data-centre
// transport literature. The web-search workload of DCTCP (Alizadeh et al.,
// SIGCOMM 2010) and the data-mining workload of VL2 (Greenberg et al.,
// SIGCOMM 2009) reached later work (pFabric, PIAS, HPCC) as short text
// tables, one point of the cumulative distribution per line:
//
//	# size_bytes cdf
//	0        0
//	10000    0.15
//	...
//	30000000 1
//
// Between two points the distribution is taken as uniform, so the CDF is
// the straight line joining them: this is how the simulators that share
// these files interpolate, and it makes sampling an inverse transform with
// linear interpolation. A first point with a cdf above 0 is a point mass:
// that fraction of flows has exactly the first size.

package experiment

import (
	"bufio"
	"errors"
	"fmt"
	"github.com/ccbench/ccbench/units"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// maxCDFPoints bounds a CDF file. The published tables have a dozen points;
// tens of thousands would be a measurement dump that belongs elsewhere.
const maxCDFPoints = 100000

// maxCDFSize is the largest size a CDF may give, 9223372036854774784, the
// last float64 below 2^63: flow sizes are int64, and a larger size would wrap when drawn, or
// make arrivals so rare that their times pass the range of a Duration.
const maxCDFSize = 0x1p63 - 1024

// SizeCDF is an empirical flow-size distribution: points (Sizes[i],
// Probs[i]) of its cumulative distribution, sizes in bytes and non-
// decreasing, probabilities non-decreasing from at least 0 to exactly 1.
type SizeCDF struct {
	// Path is the file the distribution was read from, for messages.
	Path  string
	Sizes []float64
	Probs []float64
}

// LoadSizeCDF reads the CDF file at path. Its error names the file and,
// for a bad line, the line number and what is wrong with it.
func LoadSizeCDF(path string) (*SizeCDF, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseSizeCDF(path, f)
}

// ParseSizeCDF reads a CDF table from r; name stands for the file in
// errors. Blank lines and text after '#' are ignored; every other line is
// a size in bytes and a cumulative probability, separated by white space.
func ParseSizeCDF(name string, r io.Reader) (*SizeCDF, error) {
	c := &SizeCDF{Path: name}
	sc := bufio.NewScanner(r)
	line := 0
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s:%d: %s", name, line, fmt.Sprintf(format, args...))
	}
	for sc.Scan() {
		line++
		text, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(text)
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 2 {
			return nil, bad("%s has %d fields; each line is a size in bytes and a cumulative probability, e.g. \"10000 0.15\"", units.Excerpt(strings.TrimSpace(text)), len(fields))
		}
		size, err := strconv.ParseFloat(fields[0], 64)
		if err != nil || math.IsNaN(size) || math.IsInf(size, 0) || size < 0 {
			return nil, bad("size %s is not a number of bytes from 0", units.Excerpt(fields[0]))
		}
		if size > maxCDFSize {
			return nil, bad("size %s is above the largest flow size; allowed from 0 to %.0f bytes", fmtFloat(size), maxCDFSize)
		}
		p, err := strconv.ParseFloat(fields[1], 64)
		if err != nil || math.IsNaN(p) || p < 0 || p > 1 {
			return nil, bad("cdf %s is not a probability from 0 to 1", units.Excerpt(fields[1]))
		}
		if n := len(c.Sizes); n > 0 {
			if size < c.Sizes[n-1] {
				return nil, bad("size %s is below the previous line's %s; sizes must not decrease", fmtFloat(size), fmtFloat(c.Sizes[n-1]))
			}
			if p < c.Probs[n-1] {
				return nil, bad("cdf %s is below the previous line's %s; a CDF must not decrease", fmtFloat(p), fmtFloat(c.Probs[n-1]))
			}
		}
		if len(c.Sizes) == maxCDFPoints {
			return nil, bad("more than %d points", maxCDFPoints)
		}
		c.Sizes = append(c.Sizes, size)
		c.Probs = append(c.Probs, p)
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		return nil, fmt.Errorf("%s:%d: longer than %d bytes; each line is a size in bytes and a cumulative probability", name, line+1, bufio.MaxScanTokenSize)
	} else if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(c.Sizes) == 0 {
		return nil, fmt.Errorf("%s: no points; each line is a size in bytes and a cumulative probability, ending with cdf 1", name)
	}
	if last := c.Probs[len(c.Probs)-1]; last != 1 {
		return nil, fmt.Errorf("%s:%d: the last cdf is %s; it must be exactly 1", name, line, fmtFloat(last))
	}
	if c.Sizes[len(c.Sizes)-1] < 1 {
		return nil, fmt.Errorf("%s:%d: the largest size is 0; flows need at least 1 byte", name, line)
	}
	return c, nil
}

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// Mean is the distribution's mean size in bytes: the point mass at the
// first size plus, for each segment, its probability times its midpoint.
func (c *SizeCDF) Mean() float64 {
	mean := float64(c.Probs[0] * c.Sizes[0])
	for i := 1; i < len(c.Sizes); i++ {
		mean += float64((c.Probs[i] - c.Probs[i-1]) * (c.Sizes[i-1] + c.Sizes[i]) / 2)
	}
	return mean
}

// Quantile returns the size below which a fraction u of flows fall, for u
// in [0, 1): the inverse of the piecewise-linear CDF. It allocates nothing.
func (c *SizeCDF) Quantile(u float64) float64 {
	if u < c.Probs[0] {
		return c.Sizes[0]
	}
	// The first point whose cdf exceeds u; segments of zero probability
	// are passed over, so a flat stretch of the CDF gives no sizes.
	lo, hi := 1, len(c.Probs)-1
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if c.Probs[mid] > u {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	if lo >= len(c.Probs) || c.Probs[lo] <= u {
		return c.Sizes[len(c.Sizes)-1]
	}
	p0, p1 := c.Probs[lo-1], c.Probs[lo]
	s0, s1 := c.Sizes[lo-1], c.Sizes[lo]
	// The conversion keeps the multiply and add apart, so a platform with
	// fused multiply-add draws the same sizes.
	return s0 + float64((u-p0)/(p1-p0)*(s1-s0))
}
