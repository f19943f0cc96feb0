package kernelcc

import (
	"errors"
	"testing"
)

// buildOrSkip builds module name, skipping the test with one line when
// clang, wasm-ld or the kernel source is missing.
func buildOrSkip(t testing.TB, name string) *Module {
	t.Helper()
	path, err := BuildNamed(name)
	if errors.Is(err, ErrToolsMissing) {
		t.Skipf("kernel modules cannot be built here: %v", err)
	}
	if err != nil {
		t.Fatalf("building %s: %v", name, err)
	}
	mod, err := Load(path)
	if err != nil {
		t.Fatalf("loading %s: %v", name, err)
	}
	return mod
}
