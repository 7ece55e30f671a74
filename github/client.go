// Package github connects zoneward to GitHub: repository access for
// revocation, team membership for the author check, the plan comment on a
// pull request, and the events and webhooks that start a run.
package github

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	gogithub "github.com/google/go-github/v75/github"
)

// Options configure a [Client].
type Options struct {
	// Repository is the zones repository, "owner/name".
	Repository string
	// Token authenticates requests: a fine-grained personal access token,
	// or an installation token minted elsewhere (actions/create-github-app-token).
	// It is sent only in the Authorization header and never appears in
	// errors. Leave it empty when App is set.
	Token string
	// App, when set, authenticates as a GitHub App installation, minting
	// installation tokens as they expire.
	App *App
	// Access is the least role ("read", "triage", "write"; "none" turns
	// the check off) with which an owner keeps a grant alive; empty means
	// read. See [Client.CanWrite].
	Access string
	// APIURL is the REST API root: empty for api.github.com, or for GitHub
	// Enterprise Server "https://HOST/api/v3".
	APIURL string
	// HTTPClient sends the requests; nil means a client with a 30-second
	// timeout.
	HTTPClient *http.Client
}

// Client talks to GitHub's REST API about one repository. It keeps the
// pages of the collaborator and team listings with their ETags, so a
// long-lived Client (the daemon's) re-reads unchanged listings with
// conditional requests that cost nothing against the rate limit. It is
// safe for concurrent use.
type Client struct {
	gh          *gogithub.Client
	owner, repo string
	access      Role

	// mu guards pages.
	mu sync.Mutex
	// pages holds each bulk listing's pages by listing name, page n at
	// index n-1. A listing keeps only as many pages as its last full read.
	pages map[string][]page
}

// page is one cached page of a listing.
type page struct {
	etag string
	body []byte
	next int // the next page's number; 0 on the last page
	last int // the last page's number, from the Link header; 0 if absent
}

// defaultTimeout bounds one request when the caller gives no HTTP client,
// so that a GitHub that stops answering fails a run instead of hanging it.
const defaultTimeout = 30 * time.Second

var (
	// A GitHub login: letters, digits and hyphens. Underscores appear in
	// Enterprise Managed Users' logins ("name_shortcode"). Validating
	// before building a URL keeps text from CODEOWNERS or an event from
	// reaching another API path.
	loginRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$`)
	// A team slug: GitHub derives it from the name as lowercase letters,
	// digits, hyphens and underscores; dots are allowed but not as a
	// whole path segment.
	slugRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,100}$`)
	// A repository name, which may also contain dots.
	repoRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,100}$`)
)

func validSlug(s string) bool { return slugRE.MatchString(s) && s != "." && s != ".." }

// New returns a Client for opts.Repository.
func New(opts Options) (*Client, error) {
	owner, repo, ok := strings.Cut(opts.Repository, "/")
	if !ok || !loginRE.MatchString(owner) || !repoRE.MatchString(repo) || repo == "." || repo == ".." {
		return nil, fmt.Errorf("github: repository %q is not \"owner/name\"", opts.Repository)
	}
	var access Role
	switch opts.Access {
	case "", "read":
		access = Read
	case "triage":
		access = Triage
	case "write":
		access = Write
	case "none":
		access = NoAccess
	default:
		// Maintain and admin are Company roles: a tenant who needs them
		// to keep a grant could rewrite the repository's settings.
		return nil, fmt.Errorf("github: access %q: use read, triage, write or none", opts.Access)
	}
	if opts.App != nil && opts.Token != "" {
		return nil, errors.New("github: give a token or an App, not both")
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: defaultTimeout}
	}
	base, _ := url.Parse(defaultAPIURL)
	if opts.APIURL != "" {
		u, err := url.Parse(opts.APIURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("github: API URL %q is not an http(s) URL", opts.APIURL)
		}
		// go-github resolves paths against BaseURL, which must end in "/".
		if !strings.HasSuffix(u.Path, "/") {
			u.Path += "/"
		}
		base = u
	}
	if opts.App != nil {
		t, err := newAppTransport(*opts.App, base, repo, hc.Transport)
		if err != nil {
			return nil, err
		}
		c := *hc
		c.Transport = t
		hc = &c
	}
	gh := gogithub.NewClient(hc)
	gh.BaseURL = base
	if opts.Token != "" {
		gh = gh.WithAuthToken(opts.Token)
	}
	return &Client{gh: gh, owner: owner, repo: repo, access: access, pages: map[string][]page{}}, nil
}

// defaultAPIURL is GitHub.com's REST API root, go-github's default too.
const defaultAPIURL = "https://api.github.com/"

// Repository returns the repository the client works on, "owner/name".
func (c *Client) Repository() string { return c.owner + "/" + c.repo }

// statusOf returns the HTTP status of a go-github error, or 0 when err is
// not an answer from GitHub. Rate-limit errors report 0: they say nothing
// about the resource asked for.
func statusOf(err error) int {
	var rl *gogithub.RateLimitError
	var ab *gogithub.AbuseRateLimitError
	if errors.As(err, &rl) || errors.As(err, &ab) {
		return 0
	}
	var er *gogithub.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil {
		return 0
	}
	if er.Response.StatusCode == http.StatusForbidden && er.Response.Header.Get("X-RateLimit-Remaining") == "0" {
		return 0
	}
	return er.Response.StatusCode
}
