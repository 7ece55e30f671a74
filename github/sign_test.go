package github_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// sign computes X-Hub-Signature-256 independently of go-github.
func sign(secret, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// TestSignVector holds the tests' own signer to GitHub's published test
// vector, so a wrong helper cannot make the webhook tests pass vacuously.
func TestSignVector(t *testing.T) {
	const want = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	if got := sign("It's a Secret to Everybody", "Hello, World!"); got != want {
		t.Errorf("sign = %s, want %s", got, want)
	}
}
