// Package kernelcc runs Linux's own congestion-control modules
// (net/ipv4/tcp_cubic.c, tcp_bbr.c, ...) inside ccbench's stack, in the
// simulator's virtual time as over the tun driver: each module's C source,
// unchanged, is compiled by clang for wasm32 against a shim written here
// (shim/: the headers a module includes and the helpers it calls, with the
// Linux function each stands for), linked with a glue file that plays
// Linux's TCP core for it, and run by wazero, a WebAssembly runtime in
// pure Go.
//
// Importing the package registers the "kernel" name prefix with cc:
// "kernel:cubic" builds Linux's tcp_cubic.c (found in $CCBENCH_KERNEL_SRC
// or Debian's linux-source package) into the user's cache once, and
// "kernel:FILE.wasm" loads a module built before (`ccbench kernel build`).
//
// The layers, outside in:
//
//	Alg (adapter.go)   cc.CongestionControl: bytes ⇄ packets, the stack's
//	                   facts into the I/O block, answers back
//	Module (module.go) a compiled module, its instances, their slots
//	glue.c             Linux's core: the callbacks in the order and with the
//	                   state transitions tcp_input.c / tcp_output.c use
//	the module         Linux's file, as shipped
//	shim               struct sock/tcp_sock/..., tcp_slow_start,
//	                   tcp_cong_avoid_ai, minmax, jiffies, do_div, ...
//
// Build (build.go) needs clang and wasm-ld (Debian: clang lld) and a Linux
// source (Debian: linux-source-6.1); without them the names fail with one
// line saying what to install.
package kernelcc
