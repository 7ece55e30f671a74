package delegation

import "testing"

// SetPublicRoots makes c treat its roots as public ones, whatever their
// addresses, so that a test on loopback sees the filter on glue at work.
func SetPublicRoots(c *Checker) { c.publicRoots = true }

// TestPrivateRoots: a hierarchy configured at private addresses (a lab,
// the tests' loopback) is private throughout; the IANA roots and public
// ones are not.
func TestPrivateRoots(t *testing.T) {
	for _, tc := range []struct {
		roots []string
		want  bool
	}{
		{nil, false}, // the IANA roots
		{[]string{"198.41.0.4"}, false},
		{[]string{"127.0.0.2:5300"}, true},
		{[]string{"10.1.2.3"}, true},
		{[]string{"198.41.0.4", "192.168.1.1"}, true},
	} {
		c := &Checker{Options: Options{Roots: tc.roots}}
		if got := c.privateRoots(); got != tc.want {
			t.Errorf("roots %v: private = %v, want %v", tc.roots, got, tc.want)
		}
	}
	c := &Checker{Options: Options{Roots: []string{"127.0.0.1"}}}
	SetPublicRoots(c)
	if c.privateRoots() {
		t.Errorf("SetPublicRoots had no effect")
	}
}
