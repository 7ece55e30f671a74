package github

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/url"
	"testing"
)

type recordingTransport struct{ reqs []*http.Request }

func (r *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r.reqs = append(r.reqs, req)
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: req}, nil
}

// TestAppTokenOnlyToTheAPI: a request to another host (a redirect the
// client follows, say) carries no installation token, and none is minted
// for it.
func TestAppTokenOnlyToTheAPI(t *testing.T) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	key := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
	base := &recordingTransport{}
	api, _ := url.Parse("https://api.github.example/")
	tr, err := newAppTransport(App{ID: "1", InstallationID: 2, PrivateKey: key}, api, "acme/dns-zones", base)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", "https://objects.elsewhere.example/archive.tar.gz", nil)
	if _, err := tr.RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	if len(base.reqs) != 1 {
		t.Fatalf("%d requests sent, want the one (no token minted)", len(base.reqs))
	}
	if h := base.reqs[0].Header.Get("Authorization"); h != "" {
		t.Errorf("a request to another host carried %q", h)
	}
}
