// Building a module: Linux's net/ipv4/tcp_NAME.c, found in a kernel tree
// or unpacked from Debian's linux-source tarball, compiled unchanged by
// clang for wasm32 against the embedded shim, linked with the glue by
// wasm-ld, and kept in the user's cache under a hash of everything that
// went into it.

package kernelcc

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// shimFS holds the shim: the headers modules include, the helpers'
// bodies and the glue, so that a ccbench binary can build modules
// wherever it runs.
//
//go:embed shim
var shimFS embed.FS

// Modules are the algorithms Linux 6.1 ships in net/ipv4 that kernelcc
// builds by name, in the order `ccbench kernel list` prints them. "reno"
// is not a module in Linux (tcp_cong.c holds it, with the registry): it
// is built from the shim's Reno helpers, which stand for tcp_cong.c's.
var Modules = []string{"cubic", "reno", "bbr", "dctcp", "vegas", "westwood", "highspeed", "htcp", "illinois", "bic", "hybla", "yeah", "scalable", "veno", "lp", "nv"}

// companions are the other files a module calls into: YeAH uses Vegas's
// exported functions, as tcp_yeah.ko depends on tcp_vegas.ko.
var companions = map[string][]string{"yeah": {"vegas"}}

// extraHeaders are files of net/ipv4 that modules include by relative
// path.
var extraHeaders = []string{"tcp_vegas.h", "tcp_dctcp.h"}

// renoSource is the module kernel:reno is built from: it registers the
// shim's helpers under the name "reno", as tcp_cong.c's tcp_reno does.
const renoSource = `/* ccbench: Reno from the shim's tcp_cong.c helpers. */
#include <linux/module.h>
#include <net/tcp.h>

static struct tcp_congestion_ops ccb_reno = {
	.flags = TCP_CONG_NON_RESTRICTED,
	.name = "reno",
	.owner = THIS_MODULE,
	.ssthresh = tcp_reno_ssthresh,
	.cong_avoid = tcp_reno_cong_avoid,
	.undo_cwnd = tcp_reno_undo_cwnd,
};

static int __init ccb_reno_register(void)
{
	return tcp_register_congestion_control(&ccb_reno);
}
module_init(ccb_reno_register);
`

// ErrToolsMissing matches (errors.Is) the build errors caused by a missing
// clang, wasm-ld or kernel source, so that tests can skip on them.
var ErrToolsMissing = errors.New("kernel module tools missing")

// toolsMissing is such an error: its text says what is missing and what
// to install.
type toolsMissing string

func (e toolsMissing) Error() string        { return string(e) }
func (e toolsMissing) Is(target error) bool { return target == ErrToolsMissing }

func missing(format string, args ...any) error {
	return toolsMissing(fmt.Sprintf(format, args...))
}

// Toolchain is what building needs: clang with the wasm32 target and
// lld's wasm-ld.
type Toolchain struct {
	Clang, WasmLd string
	// Version is `clang --version`'s first line, part of the cache key.
	Version string
}

var (
	toolchainOnce sync.Once
	toolchain     Toolchain
	toolchainErr  error
)

// FindToolchain looks for clang and wasm-ld on PATH (CCBENCH_CLANG and
// CCBENCH_WASM_LD override), once per process.
func FindToolchain() (Toolchain, error) {
	toolchainOnce.Do(func() {
		toolchain, toolchainErr = findToolchain()
	})
	return toolchain, toolchainErr
}

func findToolchain() (Toolchain, error) {
	var t Toolchain
	var err error
	if t.Clang, err = lookTool("CCBENCH_CLANG", "clang"); err != nil {
		return t, missing("clang not found (apt-get install clang lld)")
	}
	if t.WasmLd, err = lookTool("CCBENCH_WASM_LD", "wasm-ld", "wasm-ld-14", "wasm-ld-15", "wasm-ld-16"); err != nil {
		return t, missing("wasm-ld not found (apt-get install lld)")
	}
	out, err := exec.Command(t.Clang, "--version").Output()
	if err != nil {
		return t, missing("%s --version: %v", t.Clang, err)
	}
	t.Version, _, _ = strings.Cut(string(out), "\n")
	return t, nil
}

func lookTool(env string, names ...string) (string, error) {
	if p := os.Getenv(env); p != "" {
		return exec.LookPath(p)
	}
	var err error
	for _, n := range names {
		var p string
		if p, err = exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", err
}

// CacheDir is where sources extracted from a tarball and built modules
// are kept: $CCBENCH_KERNEL_CACHE, else the user's cache directory
// (os.UserCacheDir: $XDG_CACHE_HOME or ~/.cache) under ccbench/kernel.
func CacheDir() (string, error) {
	if d := os.Getenv("CCBENCH_KERNEL_CACHE"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "ccbench-kernel"), nil
	}
	return filepath.Join(d, "ccbench", "kernel"), nil
}

// Source finds net/ipv4 of a Linux tree: $CCBENCH_KERNEL_SRC (a tree, its
// net/ipv4, or a linux-source tarball), else Debian's linux-source
// package (/usr/src/linux-source-*.tar.xz, extracted once into the cache),
// else an unpacked /usr/src/linux-source-* or /usr/src/linux.
func Source() (string, error) {
	if p := os.Getenv("CCBENCH_KERNEL_SRC"); p != "" {
		return sourceAt(p)
	}
	tarballs, _ := filepath.Glob("/usr/src/linux-source-*.tar.xz")
	dirs, _ := filepath.Glob("/usr/src/linux-source-*")
	sort.Sort(sort.Reverse(sort.StringSlice(tarballs)))
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	for _, d := range append(dirs, "/usr/src/linux") {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			if dir, err := sourceAt(d); err == nil {
				return dir, nil
			}
		}
	}
	for _, t := range tarballs {
		return sourceAt(t)
	}
	return "", missing("no Linux source (apt-get install linux-source-6.1, or set CCBENCH_KERNEL_SRC to a kernel tree)")
}

func sourceAt(p string) (string, error) {
	st, err := os.Stat(p)
	if err != nil {
		return "", missing("kernel source %s: %v", p, err)
	}
	if !st.IsDir() {
		return extractTarball(p, st)
	}
	for _, d := range []string{filepath.Join(p, "net", "ipv4"), p} {
		if _, err := os.Stat(filepath.Join(d, "tcp_cubic.c")); err == nil {
			return d, nil
		}
	}
	return "", missing("%s holds no net/ipv4/tcp_cubic.c", p)
}

var extractMu sync.Mutex

// extractTarball unpacks the congestion-control files of net/ipv4 from a
// linux-source tarball into the cache, once per tarball (named by its
// path, size and time), and returns where they are.
func extractTarball(path string, st fs.FileInfo) (string, error) {
	extractMu.Lock()
	defer extractMu.Unlock()
	cache, err := CacheDir()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s|%d|%d", path, st.Size(), st.ModTime().UnixNano())))
	dest := filepath.Join(cache, "src-"+hex.EncodeToString(sum[:6]))
	done := filepath.Join(dest, ".complete")
	if _, err := os.Stat(done); err == nil {
		return dest, nil
	}
	if _, err := exec.LookPath("tar"); err != nil {
		return "", missing("tar is needed to read %s", path)
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(cache, "extract-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	// The tarball's top folder is linux-source-X.Y; take net/ipv4/tcp_*
	// under whatever it is.
	cmd := exec.Command("tar", "-xJf", path, "-C", tmp, "--wildcards", "--no-anchored", "--strip-components=3", "*/net/ipv4/tcp_*")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", missing("extracting net/ipv4 from %s: %v: %s", path, err, strings.TrimSpace(stderr.String()))
	}
	if _, err := os.Stat(filepath.Join(tmp, "tcp_cubic.c")); err != nil {
		return "", missing("%s has no net/ipv4/tcp_cubic.c", path)
	}
	if err := os.WriteFile(filepath.Join(tmp, ".complete"), nil, 0o644); err != nil {
		return "", err
	}
	// Another process may have finished the same extraction meanwhile:
	// then its copy is used. A copy without .complete was cut short.
	if _, err := os.Stat(done); err == nil {
		return dest, nil
	}
	os.RemoveAll(dest)
	if err := os.Rename(tmp, dest); err != nil {
		if _, serr := os.Stat(done); serr == nil {
			return dest, nil
		}
		return "", err
	}
	return dest, nil
}

// validModule is what a module name may be: a net/ipv4/tcp_NAME.c. It and
// notIdent are compiled on first use, not at every start of the binary.
var validModule = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9_]+$`) })

// notIdent matches what a C identifier may not hold.
var notIdent = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^a-zA-Z0-9_]`) })

// BuildNamed compiles Linux's net/ipv4/tcp_NAME.c (or the shim's Reno)
// into the cache and returns the .wasm file's path.
func BuildNamed(name string) (string, error) {
	if !validModule().MatchString(name) {
		return "", fmt.Errorf("%q is not a module name (tcp_NAME.c of net/ipv4: cubic, bbr, ...)", name)
	}
	if name == "reno" {
		return build("reno", []unit{{id: "reno", name: "ccb_reno.c", text: []byte(renoSource)}}, nil)
	}
	dir, err := Source()
	if err != nil {
		return "", err
	}
	var units []unit
	for _, m := range append([]string{name}, companions[name]...) {
		p := filepath.Join(dir, "tcp_"+m+".c")
		text, err := os.ReadFile(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return "", fmt.Errorf("no module %q: %s does not exist", name, p)
			}
			return "", err
		}
		units = append(units, unit{id: m, name: filepath.Base(p), text: text})
	}
	headers := map[string][]byte{}
	for _, h := range extraHeaders {
		if text, err := os.ReadFile(filepath.Join(dir, h)); err == nil {
			headers[h] = text
		}
	}
	return build(name, units, headers)
}

// BuildFile compiles one module source at any path (a patched
// tcp_cubic.c, a module of your own); headers it includes by relative
// path are looked for beside it.
func BuildFile(path string) (string, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	base := filepath.Base(path)
	id := strings.TrimSuffix(strings.TrimPrefix(base, "tcp_"), ".c")
	id = notIdent().ReplaceAllString(id, "_")
	headers := map[string][]byte{}
	for _, h := range extraHeaders {
		if t, err := os.ReadFile(filepath.Join(filepath.Dir(path), h)); err == nil {
			headers[h] = t
		}
	}
	return build(id, []unit{{id: id, name: base, text: text}}, headers)
}

// unit is one C file of a module.
type unit struct {
	id   string // CCB_MODULE_ID: names its module_init entry
	name string
	text []byte
}

// cflags are the compiler's flags: wasm32, no C library, the shim's
// headers first. Warnings are the module authors' business.
var cflags = []string{"--target=wasm32", "-O2", "-nostdlib", "-ffreestanding", "-fno-stack-protector", "-w"}

// stackSize is each instance's wasm stack: a module's call chain is a
// few frames deep.
const stackSize = 32 << 10

var buildMu sync.Mutex

// build compiles units with the shim and the glue into
// CacheDir/NAME-HASH.wasm, the hash covering the sources, the shim, the
// flags and the compiler, and returns the path; a module already built
// is reused.
func build(name string, units []unit, headers map[string][]byte) (string, error) {
	tc, err := FindToolchain()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%d\n", tc.Version, strings.Join(cflags, " "), stackSize)
	for _, u := range units {
		fmt.Fprintf(h, "unit %s %s %d\n", u.id, u.name, len(u.text))
		h.Write(u.text)
	}
	for _, k := range sortedKeys(headers) {
		fmt.Fprintf(h, "header %s %d\n", k, len(headers[k]))
		h.Write(headers[k])
	}
	if err := fs.WalkDir(shimFS, "shim", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := shimFS.ReadFile(p)
		fmt.Fprintf(h, "shim %s %d\n", p, len(b))
		h.Write(b)
		return err
	}); err != nil {
		return "", err
	}
	cache, err := CacheDir()
	if err != nil {
		return "", err
	}
	out := filepath.Join(cache, fmt.Sprintf("%s-%s.wasm", name, hex.EncodeToString(h.Sum(nil)[:8])))
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}

	buildMu.Lock()
	defer buildMu.Unlock()
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(cache, "build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if err := writeShim(tmp); err != nil {
		return "", err
	}
	src := filepath.Join(tmp, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", err
	}
	for k, v := range headers {
		if err := os.WriteFile(filepath.Join(src, k), v, 0o644); err != nil {
			return "", err
		}
	}
	inc := "-I" + filepath.Join(tmp, "shim", "include")
	var objs []string
	compile := func(file string, defs ...string) error {
		obj := filepath.Join(tmp, fmt.Sprintf("%d.o", len(objs)))
		args := append(append(append([]string{}, cflags...), inc), defs...)
		args = append(args, "-c", file, "-o", obj)
		if msg, err := exec.Command(tc.Clang, args...).CombinedOutput(); err != nil {
			return fmt.Errorf("compiling %s for %s failed: %s", filepath.Base(file), name, firstLines(msg, 6))
		}
		objs = append(objs, obj)
		return nil
	}
	for _, u := range units {
		p := filepath.Join(src, u.name)
		if err := os.WriteFile(p, u.text, 0o644); err != nil {
			return "", err
		}
		if err := compile(p, "-DCCB_MODULE_ID="+u.id, fmt.Sprintf(`-DKBUILD_MODNAME="tcp_%s"`, u.id)); err != nil {
			return "", err
		}
	}
	if err := compile(filepath.Join(tmp, "shim", "shim.c")); err != nil {
		return "", err
	}
	if err := compile(filepath.Join(tmp, "shim", "glue.c"), "-DCCB_INIT=ccb_module_init_"+units[0].id); err != nil {
		return "", err
	}
	wasm := filepath.Join(tmp, "module.wasm")
	args := append([]string{"--no-entry", "--strip-all", "-z", fmt.Sprintf("stack-size=%d", stackSize), "-o", wasm}, objs...)
	if msg, err := exec.Command(tc.WasmLd, args...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("linking %s failed (a kernel function the shim lacks?): %s", name, firstLines(msg, 6))
	}
	if err := os.Rename(wasm, out); err != nil {
		return "", err
	}
	return out, nil
}

// writeShim copies the embedded shim under dir/shim.
func writeShim(dir string) error {
	return fs.WalkDir(shimFS, "shim", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := shimFS.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// firstLines keeps a tool's complaint short enough for one error line.
func firstLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = append(lines[:n], "...")
	}
	return strings.Join(lines, " | ")
}
