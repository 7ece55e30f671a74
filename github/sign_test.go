package github_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// sign computes X-Hub-Signature-256 independently of go-github.
func sign(secret, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}
