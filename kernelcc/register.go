package kernelcc

import (
	"fmt"
	"strings"

	"github.com/ccbench/ccbench/cc"
)

func init() {
	if err := cc.RegisterResolver("kernel", resolve); err != nil {
		panic(err)
	}
}

// resolve makes the factory for "kernel:REST": REST is a module name
// (cubic, bbr, ...: net/ipv4/tcp_REST.c, built into the cache), a path to
// a module source (.c, built likewise) or a module kernelcc built
// (.wasm, loaded as it is).
func resolve(rest string) (cc.Factory, error) {
	path, err := Resolve(rest)
	if err != nil {
		return nil, err
	}
	mod, err := Load(path)
	if err != nil {
		return nil, err
	}
	name := "kernel:" + rest
	return func() cc.CongestionControl { return NewAlg(mod, name) }, nil
}

// Resolve turns what follows "kernel:" into a built module's path,
// building it if needed.
func Resolve(rest string) (string, error) {
	switch {
	case rest == "":
		return "", fmt.Errorf("no module named after \"kernel:\" (kernel:cubic, kernel:PATH.c or kernel:PATH.wasm)")
	case strings.HasSuffix(rest, ".wasm"):
		return rest, nil
	case strings.HasSuffix(rest, ".c"):
		return BuildFile(rest)
	default:
		return BuildNamed(rest)
	}
}
