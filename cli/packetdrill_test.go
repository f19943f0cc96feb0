package cli

import (
	"bytes"
	"strings"
	"testing"
)

func TestPacketdrillExitCodes(t *testing.T) {
	for _, c := range []struct {
		files []string
		code  int
		out   string
	}{
		{[]string{"../packetdrill/testdata/pass.pkt"}, 0, "pass.pkt: pass"},
		{[]string{"../packetdrill/testdata/pass.pkt", "../packetdrill/testdata/wrong-flags.pkt"}, exitScriptFailed,
			"2 scripts: 1 pass, 1 fail or error, 0 unsupported"},
		{[]string{"../packetdrill/testdata/pass.pkt", "../packetdrill/testdata/unsupported-epoll.pkt"}, exitScriptUnsupported,
			"unsupported: epoll_create(1) = 5 (line 10)"},
		{[]string{"--tolerance_percent=0", "../packetdrill/testdata/tolerance.pkt"}, exitScriptFailed, "timing error"},
	} {
		var out, errb bytes.Buffer
		code := Run(append([]string{"packetdrill"}, c.files...), &out, &errb)
		if code != c.code || !strings.Contains(out.String(), c.out) {
			t.Errorf("packetdrill %v: exit %d, output:\n%s%s\nwant exit %d mentioning %q", c.files, code, out.String(), errb.String(), c.code, c.out)
		}
	}
}
