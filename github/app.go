package github

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// App is a GitHub App installation to authenticate as. The App signs a
// short-lived JWT with its private key and trades it for an installation
// token, which then authenticates every request until it expires
// (https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/authenticating-as-a-github-app-installation).
type App struct {
	// ID is the App's ID (or its client ID): the JWT's issuer.
	ID string
	// InstallationID is the installation on the organization that owns
	// the zones repository.
	InstallationID int64
	// PrivateKey is the App's RSA private key, PEM-encoded (PKCS #1, as
	// GitHub hands it out, or PKCS #8). It never appears in errors.
	PrivateKey []byte
}

// Token lifetimes. GitHub refuses a JWT that expires more than 10 minutes
// after it was issued, and its clock may be behind ours, so the JWT is
// dated a minute back and lives 9 minutes. Installation tokens last an
// hour; one is replaced 5 minutes before it expires, so that a request
// never leaves with a token that dies on the way.
const (
	jwtBackdate   = time.Minute
	jwtLifetime   = 9 * time.Minute
	refreshBefore = 5 * time.Minute
)

// appTransport adds an installation token to every request, minting a new
// one when the current one is about to expire.
type appTransport struct {
	app     App
	key     *rsa.PrivateKey
	mintURL string
	apiHost string // the only host the token is ever sent to
	// scope narrows each token to the zones repository, whatever else the
	// installation may reach.
	scope []byte
	base  http.RoundTripper

	// mu guards token and expires, and serialises minting so that
	// concurrent requests share one new token.
	mu      sync.Mutex
	token   string
	expires time.Time
}

func newAppTransport(app App, api *url.URL, repo string, base http.RoundTripper) (*appTransport, error) {
	if app.ID == "" || app.InstallationID <= 0 {
		return nil, errors.New("github: a GitHub App needs its ID and installation ID")
	}
	key, err := parseRSAKey(app.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("github: App %s: %w", app.ID, err)
	}
	if base == nil {
		base = http.DefaultTransport
	}
	u := api.JoinPath("app", "installations", strconv.FormatInt(app.InstallationID, 10), "access_tokens")
	scope, _ := json.Marshal(map[string][]string{"repositories": {repo}})
	return &appTransport{app: app, key: key, mintURL: u.String(), apiHost: api.Host, scope: scope, base: base}, nil
}

func parseRSAKey(data []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("the private key is not PEM-encoded")
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New("the private key is not a valid PKCS #1 RSA key")
		}
		return k, nil
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New("the private key is not a valid PKCS #8 key")
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, errors.New("the private key is not an RSA key; GitHub Apps sign with RS256")
		}
		return rk, nil
	}
	return nil, fmt.Errorf("the private key is a PEM %q block, not an RSA private key", block.Type)
}

// RoundTrip implements http.RoundTripper.
func (t *appTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != t.apiHost {
		// A redirect to another host (an archive download, say) gets no
		// token: it is the installation's, and only GitHub's API may see it.
		return t.base.RoundTrip(req)
	}
	tok, err := t.current(req)
	if err != nil {
		return nil, err
	}
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+tok)
	return t.base.RoundTrip(req)
}

func (t *appTransport) current(req *http.Request) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token != "" && time.Until(t.expires) > refreshBefore {
		return t.token, nil
	}
	tok, exp, err := t.mint(req)
	if err != nil {
		return "", err
	}
	t.token, t.expires = tok, exp
	return tok, nil
}

// mint trades a fresh JWT for an installation token.
func (t *appTransport) mint(orig *http.Request) (string, time.Time, error) {
	jwt, err := signJWT(t.key, t.app.ID, time.Now())
	if err != nil {
		return "", time.Time{}, err
	}
	req, err := http.NewRequestWithContext(orig.Context(), http.MethodPost, t.mintURL, bytes.NewReader(t.scope))
	if err != nil {
		return "", time.Time{}, err
	}
	req.Header.Set("Authorization", "Bearer "+jwt)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/vnd.github+json")
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("minting an installation token for App %s: %w", t.app.ID, err)
	}
	defer resp.Body.Close()
	// A token response is a few hundred bytes; an error page is not
	// worth more.
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", time.Time{}, fmt.Errorf("minting an installation token for App %s: %w", t.app.ID, err)
	}
	if resp.StatusCode != http.StatusCreated {
		var e struct {
			Message string `json:"message"`
		}
		json.Unmarshal(body, &e)
		return "", time.Time{}, fmt.Errorf("minting an installation token for App %s, installation %d: %s %q",
			t.app.ID, t.app.InstallationID, resp.Status, e.Message)
	}
	var out struct {
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Token == "" {
		return "", time.Time{}, fmt.Errorf("minting an installation token for App %s: the answer has no token", t.app.ID)
	}
	return out.Token, out.ExpiresAt, nil
}

// signJWT returns the RS256 JSON Web Token (RFC 7519) GitHub asks an App
// to authenticate with: issued a minute back, expiring 9 minutes later,
// issued by the App.
func signJWT(key *rsa.PrivateKey, issuer string, now time.Time) (string, error) {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`))
	claims, err := json.Marshal(struct {
		IAT int64  `json:"iat"`
		EXP int64  `json:"exp"`
		ISS string `json:"iss"`
	}{now.Add(-jwtBackdate).Unix(), now.Add(-jwtBackdate + jwtLifetime).Unix(), issuer})
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	b.WriteString(header)
	b.WriteByte('.')
	b.WriteString(enc.EncodeToString(claims))
	sum := sha256.Sum256(b.Bytes())
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("signing the App's JWT: %w", err)
	}
	b.WriteByte('.')
	b.WriteString(enc.EncodeToString(sig))
	return b.String(), nil
}
