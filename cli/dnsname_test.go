package cli

import (
	"strings"
	"testing"
)

// TestIsDNSName: a Kubernetes object name (DNS-1123 subdomain) is 1 to 253
// lower-case letters, digits, '-' and '.', starting and ending with a
// letter or digit.
func TestIsDNSName(t *testing.T) {
	for s, want := range map[string]bool{
		"a":                                  true,
		"ccbench-sweep.v2":                   true,
		"0-a":                                true,
		strings.Repeat("a", 253):             true,
		strings.Repeat("a", 254):             false,
		"a" + strings.Repeat(".", 251) + "b": true,
		"":                                   false,
		"-a":                                 false,
		"a-":                                 false,
		"a.":                                 false,
		"Ab":                                 false,
		"a_b":                                false,
		"a b":                                false,
	} {
		if got := isDNSName(s); got != want {
			t.Errorf("isDNSName(%q) = %v, want %v", s, got, want)
		}
	}
}
