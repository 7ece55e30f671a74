package dnstest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// Hierarchy is a small DNS tree on loopback for tests that walk
// delegations: a root server at 127.0.0.2 and a server for one top-level
// domain at 127.0.0.3, both on Port, both Knot (named cannot listen on
// those addresses; see the package doc). The root delegates the TLD with
// glue; the test changes what the TLD delegates, with Delegate or with
// TLD.Nsupdate.
type Hierarchy struct {
	Root, TLD *Server
	Name      string // the TLD, e.g. "test."
	Port      int
}

// StartHierarchy starts a root and a server for tld, stopped when t ends.
func StartHierarchy(t testing.TB, tld string) *Hierarchy {
	t.Helper()
	tld = dns.Fqdn(strings.ToLower(tld))
	port := FreePort(t, "127.0.0.2", "127.0.0.3")
	h := &Hierarchy{Name: tld, Port: port}
	ns := "ns." + tld
	h.Root = Start(t, Knot, Options{IP: "127.0.0.2", Port: port, Zones: []Zone{{Name: ".", Content: fmt.Sprintf(`$ORIGIN .
$TTL 60
@ SOA a.root-servers.%[1]s hostmaster.root-servers.%[1]s 1 60 60 60 60
@ NS a.root-servers.%[1]s
%[1]s NS %[2]s
%[2]s A 127.0.0.3
`, tld, ns)}}})
	h.TLD = Start(t, Knot, Options{IP: "127.0.0.3", Port: port, Zones: []Zone{{Name: tld, Content: fmt.Sprintf(`$ORIGIN %[1]s
$TTL 60
@ SOA %[2]s hostmaster.%[1]s 1 60 60 60 60
@ NS %[2]s
%[2]s A 127.0.0.3
`, tld, ns)}}})
	return h
}

// Roots are the addresses of the hierarchy's root servers, without the
// port (which is Port), as a resolver's root hints list them.
func (h *Hierarchy) Roots() []string { return []string{"127.0.0.2"} }

// Delegate makes the TLD delegate zone to ns, replacing what it delegated
// before; with no ns, zone is not delegated at all.
func (h *Hierarchy) Delegate(zone string, ns ...string) error {
	zone = dns.Fqdn(strings.ToLower(zone))
	cmds := []string{"update delete " + zone + " NS"}
	for _, n := range ns {
		cmds = append(cmds, "update add "+zone+" 60 NS "+dns.Fqdn(n))
	}
	return h.TLD.Nsupdate(h.Name, cmds...)
}
