// Fingerprints: what a run's results were made from, so that --resume
// reuses a point only when running it again would give the same files.
//
// A run's folder holds fingerprint.json beside its results. Its sha256 is
// taken over everything that determines the results:
//
//   - the settings: the canonical resolved config (config.toml, seed
//     included) and the run options that change what is written (--verify,
//     --pcap);
//   - the inputs: the contents of every file the settings refer to (link
//     and reverse traces, size CDFs), not just their paths;
//   - the version: the ccbench build (see buildVersion) and fingerprintFormat.
//
// The parts are kept too, so a resumed sweep can say why it reran a point
// (settings changed, an input file changed, another ccbench), and the file
// lists the data files the run wrote with their sizes, so a folder whose
// files were truncated, emptied or deleted is run again rather than
// trusted. Those checks are package sweep's; this file computes, writes
// and reads the fingerprint, which ExecuteWith writes into every run.

package runner

import (
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/ccbench/ccbench/experiment"
	"github.com/ccbench/ccbench/netem"
	"github.com/ccbench/ccbench/report"
)

// FingerprintFile is the name of a run's fingerprint in its folder.
const FingerprintFile = "fingerprint.json"

// fingerprintFormat changes whenever what goes into a fingerprint, or the
// layout of a run's folder, changes in a way the build version cannot show
// (a build from an unchanged module version with a new results layout).
const fingerprintFormat = 1

// Fingerprint is the content of fingerprint.json.
type Fingerprint struct {
	// Format is fingerprintFormat of the ccbench that wrote the run.
	Format int `json:"format"`
	// Sum is the SHA-256, in hex, over Format, Version, Settings and
	// Inputs: the fingerprint proper, recorded in the sweep's index.
	Sum string `json:"sha256"`
	// Version is the ccbench build (buildVersion).
	Version string `json:"version"`
	// Settings is the SHA-256 of the canonical resolved config and the run
	// options.
	Settings string `json:"settings_sha256"`
	// Inputs are the SHA-256 of each referenced file, by its path as the
	// resolved config names it.
	Inputs map[string]string `json:"inputs,omitempty"`
	// Files are the data files the run wrote (CSVs, JSON, config, capture)
	// and their sizes in bytes, so that the same run gives the same
	// fingerprint.json. Plots are left out: ccbench plot redraws them in
	// place, and they can be drawn again from the data. So is summary.json,
	// whose wall-clock fields change its size from run to run; it must be
	// there and parse.
	Files map[string]int64 `json:"files"`
}

// buildVersion names the ccbench build: module path and version, the Go
// toolchain, and the VCS revision when the build recorded one. `go build`
// and `go install` in a git checkout stamp vcs.revision and vcs.modified;
// `go run` stamps them too, but `go test` binaries and builds outside a
// checkout (or with -buildvcs=false) have no VCS information, and a
// modified tree shares its revision with every other state of that tree.
// In those cases the executable stands for the code: its Go build ID,
// which the linker derives from the hashes of every input of the build, so
// the same source gives the same ID and any change to the code gives
// another, which errs towards running again. Reading it takes a few
// kilobytes; hashing the whole 20 MB executable, the fallback when the ID
// cannot be read, took 40-80 ms of every run.
var buildVersion = sync.OnceValue(func() string {
	if _, ok := debug.ReadBuildInfo(); !ok {
		return "ccbench (no build info)" + executableSum()
	}
	b := Build()
	v := b.Module + "@" + b.Version + " " + b.GoVersion
	if b.Revision != "" {
		v += " rev " + b.Revision
	}
	if b.Revision == "" || b.Modified {
		v += executableSum()
	}
	return v
})

// executableSum is " exe buildid:<id>" of the running executable (its Go
// build ID), else " exe sha256:<hex>" of its contents, or " exe unknown"
// when it cannot be read, which makes every fingerprint of this process
// differ from every earlier one only if the earlier process could read its
// executable; a point run by such a build is then rerun.
func executableSum() string {
	path, err := os.Executable()
	if err != nil {
		return " exe unknown"
	}
	if id, err := goBuildID(path); err == nil {
		return " exe buildid:" + id
	}
	sum, err := fileSum(path)
	if err != nil {
		return " exe unknown"
	}
	return " exe sha256:" + sum
}

// goBuildID reads the Go build ID an ELF executable carries in its
// .note.go.buildid section: a note whose name is "Go" and whose type is 4.
func goBuildID(path string) (string, error) {
	f, err := elf.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sec := f.Section(".note.go.buildid")
	if sec == nil {
		return "", errors.New("no .note.go.buildid section")
	}
	b, err := sec.Data()
	if err != nil {
		return "", err
	}
	if len(b) < 16 {
		return "", errors.New("short build ID note")
	}
	bo := f.ByteOrder
	namesz, descsz, typ := bo.Uint32(b), bo.Uint32(b[4:]), bo.Uint32(b[8:])
	name := int(namesz+3) &^ 3
	if typ != 4 || namesz != 4 || string(b[12:14]) != "Go" || 12+name+int(descsz) > len(b) || descsz == 0 {
		return "", errors.New("not a Go build ID note")
	}
	return string(b[12+name : 12+name+int(descsz)]), nil
}

// fileSum is the SHA-256 of a file's contents, in hex.
func fileSum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// referencedFiles lists the files cfg's settings read, each with the key
// that names it (for errors).
func referencedFiles(cfg *experiment.Config) [][2]string {
	var files [][2]string
	if cfg.Link.Trace != "" {
		files = append(files, [2]string{"link.trace", cfg.Link.Trace})
	}
	if cfg.Reverse.Trace != "" {
		files = append(files, [2]string{"reverse.trace", cfg.Reverse.Trace})
	}
	for g, fg := range cfg.Flows {
		if fg.SizeCDF != "" {
			files = append(files, [2]string{"flows[" + strconv.Itoa(g) + "].size_cdf", fg.SizeCDF})
		}
	}
	return files
}

// CheckReferencedFile reads the file a setting names and parses it as the
// run will (a trace as a Mahimahi trace, a size CDF as a CDF table), so a
// file that is missing or malformed is found before a run, or the first
// point of a sweep, starts. key is the setting ("link.trace",
// "flows[0].size_cdf"); the error names it and the file.
func CheckReferencedFile(key, path string) error {
	if strings.HasSuffix(key, ".size_cdf") {
		if _, err := experiment.LoadSizeCDF(path); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	defer f.Close()
	if _, err := netem.ParseTrace(f); err != nil {
		return fmt.Errorf("%s: %s: %w", key, path, err)
	}
	return nil
}

// InputFiles lists every file cfg's settings read, each as the key that
// names it and its path, once per path: those the fingerprint hashes, and
// the traces of the links of a network other than the dumbbell, keyed as
// that link's table.
func InputFiles(cfg *experiment.Config) [][2]string {
	files := referencedFiles(cfg)
	if net, err := cfg.Network(); err == nil && cfg.Topology.Preset != "dumbbell" {
		for _, l := range net.Links {
			if l.Settings.Trace != "" {
				files = append(files, [2]string{l.Table() + ".trace", l.Settings.Trace})
			}
		}
	}
	seen := map[string]bool{}
	return slices.DeleteFunc(files, func(f [2]string) bool {
		dup := seen[f[1]]
		seen[f[1]] = true
		return dup
	})
}

// FingerprintOf is the fingerprint of running cfg with opt, without Files.
// A referenced file that cannot be read is an error naming its key.
func FingerprintOf(cfg *experiment.Config, opt ExecOptions) (Fingerprint, error) {
	return fingerprintOf(cfg, cfg.Canonical(), opt)
}

// fingerprintOf is FingerprintOf given canonical, cfg.Canonical().
func fingerprintOf(cfg *experiment.Config, canonical []byte, opt ExecOptions) (Fingerprint, error) {
	fp := Fingerprint{Format: fingerprintFormat, Version: buildVersion()}
	h := sha256.New()
	h.Write(canonical)
	fmt.Fprintf(h, "\x00verify=%t pcap=%t", opt.Verify, opt.Pcap)
	fp.Settings = hex.EncodeToString(h.Sum(nil))
	for _, ref := range referencedFiles(cfg) {
		sum, err := fileSum(ref[1])
		if err != nil {
			return fp, fmt.Errorf("%s: %w", ref[0], err)
		}
		if fp.Inputs == nil {
			fp.Inputs = map[string]string{}
		}
		fp.Inputs[ref[1]] = sum
	}
	fp.Sum = fp.sum()
	return fp, nil
}

// sum hashes the parts that determine a run's results.
func (fp *Fingerprint) sum() string {
	h := sha256.New()
	fmt.Fprintf(h, "ccbench fingerprint %d\x00%s\x00%s\x00", fp.Format, fp.Version, fp.Settings)
	paths := make([]string, 0, len(fp.Inputs))
	for p := range fp.Inputs {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		fmt.Fprintf(h, "%s\x00%s\x00", p, fp.Inputs[p])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// writeFingerprint lists the data files in dir into fp.Files and writes
// fp to dir/fingerprint.json. It is the last file of a run written.
func writeFingerprint(dir string, fp Fingerprint) error {
	fp.Files = map[string]int64{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !isDataFile(d.Name()) {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		fp.Files[filepath.ToSlash(rel)] = info.Size()
		return nil
	})
	if err != nil {
		return err
	}
	return report.WriteFileAtomic(filepath.Join(dir, FingerprintFile), func(w io.Writer) error {
		e := json.NewEncoder(w)
		e.SetIndent("", "  ")
		return e.Encode(&fp)
	})
}

// isDataFile reports whether a run's file is data that the fingerprint
// lists, as opposed to a plot or a leftover temporary file.
func isDataFile(name string) bool {
	if strings.HasPrefix(name, ".") || name == FingerprintFile || name == "summary.json" {
		return false
	}
	switch filepath.Ext(name) {
	case ".csv", ".json", ".toml", ".pcap":
		return true
	}
	return false
}

// ReadFingerprint reads dir/fingerprint.json.
func ReadFingerprint(dir string) (*Fingerprint, error) {
	data, err := os.ReadFile(filepath.Join(dir, FingerprintFile))
	if err != nil {
		return nil, err
	}
	fp := new(Fingerprint)
	if err := json.Unmarshal(data, fp); err != nil {
		return nil, err
	}
	if fp.Sum == "" {
		return nil, errors.New("no sha256")
	}
	return fp, nil
}
