package github_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zoneward/zoneward/github"
	"github.com/zoneward/zoneward/github/githubtest"
)

// appKey is one RSA key for every App test: generating one takes a while.
var appKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func pemPKCS1(k *rsa.PrivateKey) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
}

func appServer(t *testing.T) *githubtest.Server {
	t.Helper()
	s := githubtest.NewServer(repository)
	t.Cleanup(s.Close)
	s.AddApp("4242", 77, &appKey().PublicKey)
	s.SetCollaborator("alice", githubtest.Read)
	s.SetTeam("dns-admins", githubtest.Admin)
	s.SetMember("dns-admins", "carol", githubtest.Active)
	return s
}

func appClient(t *testing.T, s *githubtest.Server, app github.App) (*github.Client, error) {
	t.Helper()
	return github.New(github.Options{Repository: repository, APIURL: s.URL, HTTPClient: s.Client(), App: &app})
}

// TestAppInstallationToken: every kind of call zoneward makes works with
// an App's installation token, one token serves many requests, and an
// expiring token is replaced before it is sent.
func TestAppInstallationToken(t *testing.T) {
	s := appServer(t)
	ctx := context.Background()
	for _, key := range []struct {
		name string
		pem  []byte
	}{
		{"PKCS #1", pemPKCS1(appKey())},
		{"PKCS #8", func() []byte {
			der, _ := x509.MarshalPKCS8PrivateKey(appKey())
			return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
		}()},
	} {
		t.Run(key.name, func(t *testing.T) {
			c, err := appClient(t, s, github.App{ID: "4242", InstallationID: 77, PrivateKey: key.pem})
			if err != nil {
				t.Fatal(err)
			}
			before := s.Minted()
			can, err := c.CanWrite(ctx, []string{"@alice"})
			if err != nil || !can["@alice"] {
				t.Fatalf("CanWrite = %v, %v", can, err)
			}
			if ok, err := c.IsMember(ctx, "carol", []string{"@acme/dns-admins"}); err != nil || !ok {
				t.Fatalf("IsMember = %v, %v", ok, err)
			}
			if _, err := c.UpsertComment(ctx, 3, "<!-- t -->", "hello"); err != nil {
				t.Fatal(err)
			}
			if _, err := c.PullCommits(ctx, 3); err != nil {
				t.Fatal(err)
			}
			if n := s.Minted() - before; n != 1 {
				t.Errorf("%d tokens minted for 5 requests, want 1", n)
			}
		})
	}

	// Tokens that live less than the refresh margin are replaced on every
	// request; an expired one is never sent.
	s.SetTokenLifetime(4 * time.Minute)
	c, err := appClient(t, s, github.App{ID: "4242", InstallationID: 77, PrivateKey: pemPKCS1(appKey())})
	if err != nil {
		t.Fatal(err)
	}
	before := s.Minted()
	for range 3 {
		if _, err := c.CanWrite(ctx, []string{"@alice"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.Minted() - before; n != 3 {
		t.Errorf("%d tokens minted for 3 requests with short-lived tokens, want 3", n)
	}
}

func TestAppErrors(t *testing.T) {
	s := appServer(t)
	other, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		app  github.App
		want string
	}{
		{"wrong key", github.App{ID: "4242", InstallationID: 77, PrivateKey: pemPKCS1(other)}, "401"},
		{"unknown App", github.App{ID: "1", InstallationID: 77, PrivateKey: pemPKCS1(appKey())}, "401"},
		{"wrong installation", github.App{ID: "4242", InstallationID: 78, PrivateKey: pemPKCS1(appKey())}, "404"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := appClient(t, s, tc.app)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.CanWrite(context.Background(), []string{"@alice"})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("CanWrite: %v; want an error with %s", err, tc.want)
			}
			if strings.Contains(err.Error(), "PRIVATE KEY") || strings.Contains(err.Error(), "eyJ") {
				t.Errorf("the error shows the key or the JWT: %v", err)
			}
		})
	}
	for _, tc := range []struct {
		name string
		app  github.App
	}{
		{"no ID", github.App{InstallationID: 77, PrivateKey: pemPKCS1(appKey())}},
		{"no installation", github.App{ID: "4242", PrivateKey: pemPKCS1(appKey())}},
		{"not PEM", github.App{ID: "4242", InstallationID: 77, PrivateKey: []byte("-----not a key")}},
		{"not RSA", github.App{ID: "4242", InstallationID: 77, PrivateKey: pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: []byte{1}})}},
	} {
		if _, err := appClient(t, s, tc.app); err == nil {
			t.Errorf("%s: New accepted the App", tc.name)
		}
	}
	if _, err := github.New(github.Options{Repository: repository, Token: "t", App: &github.App{ID: "1", InstallationID: 1, PrivateKey: pemPKCS1(appKey())}}); err == nil {
		t.Error("New accepted a token and an App together")
	}
	// An expired installation token is refused by GitHub, and the client
	// mints a new one before it would expire: ExpireTokens makes the
	// server refuse a token the client still trusts.
	c, err := appClient(t, s, github.App{ID: "4242", InstallationID: 77, PrivateKey: pemPKCS1(appKey())})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CanWrite(context.Background(), []string{"@alice"}); err != nil {
		t.Fatal(err)
	}
	s.ExpireTokens()
	if _, err := c.CanWrite(context.Background(), []string{"@alice"}); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("a request with a revoked token: %v, want 401", err)
	}
}
