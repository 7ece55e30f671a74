// Package githubtest is an in-process server that answers like GitHub's REST
// API for the endpoints zoneward's GitHub client uses.
//
// It models one repository owned by an organization: its collaborators and
// their roles, the organization's teams with their repository permission and
// members, the issue comments and commits of pull requests, issues, and
// GitHub Apps that trade a signed JWT for installation tokens. It paginates with Link
// headers, answers conditional requests with 304 Not Modified, sends
// rate-limit headers, and can be told to fail. It imports nothing from
// zoneward because it models GitHub, not zoneward's types.
package githubtest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Roles a collaborator can hold, from least to most.
const (
	Read     = "read"
	Triage   = "triage"
	Write    = "write"
	Maintain = "maintain"
	Admin    = "admin"
)

// Team permissions on a repository, as GitHub's API spells them.
const (
	Pull = "pull"
	Push = "push"
	// Triage, Maintain and Admin are spelt as for collaborators.
)

// Membership states of a team member.
const (
	Active  = "active"
	Pending = "pending"
)

// RateLimit is the hourly request budget the server reports, GitHub's for
// an authenticated user.
const RateLimit = 5000

// Request is one request the server received.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Status int
}

// Comment is an issue comment on a pull request.
type Comment struct {
	ID     int64
	PR     int
	Author string
	Body   string
}

// PullCommit is a commit of a pull request: the logins GitHub links its
// author and committer emails to, "" for an email linked to no account.
type PullCommit struct {
	SHA       string
	Author    string
	Committer string
}

// app is a GitHub App installed on the repository's organization.
type app struct {
	id             string
	installationID int64
	key            *rsa.PublicKey
}

type collaborator struct {
	login string
	id    int64
	role  string
}

type team struct {
	slug    string
	id      int64
	perm    string            // permission on the repository; "" for none
	members map[string]member // keyed by lowercase login
}

type member struct {
	login string
	state string
}

// Server is an in-process GitHub REST API. Create it with [NewServer] and
// Close it when done. Its methods are safe for concurrent use.
type Server struct {
	// URL is the API root, as "http://127.0.0.1:port"; pass it as the
	// client's API URL.
	URL string

	srv         *httptest.Server
	owner, repo string
	start       time.Time

	// mu guards everything below.
	mu            sync.Mutex
	token         string
	login         string
	nextID        int64
	collaborators map[string]*collaborator // keyed by lowercase login
	teams         map[string]*team         // keyed by lowercase slug
	comments      []*Comment
	issues        issueStore
	commits       map[int][]PullCommit
	apps          []app
	installTokens map[string]installToken // minted installation tokens
	tokenLifetime time.Duration
	minted        int
	remaining     int
	rateLimited   bool
	fail          map[string]int // path substring → status
	forbidListing bool
	log           []Request
}

// NewServer starts a server for the repository "owner/name", whose owner is
// an organization. Requests need no token unless [Server.RequireToken] is
// called. The caller must call Close.
func NewServer(repository string) *Server {
	owner, name, _ := strings.Cut(repository, "/")
	s := &Server{
		owner:         owner,
		repo:          name,
		start:         time.Now(),
		login:         "zoneward-bot",
		nextID:        1000,
		collaborators: map[string]*collaborator{},
		teams:         map[string]*team{},
		commits:       map[int][]PullCommit{},
		installTokens: map[string]installToken{},
		tokenLifetime: time.Hour,
		remaining:     RateLimit,
		fail:          map[string]int{},
	}
	mux := http.NewServeMux()
	route := func(pattern string, h func(*http.Request) reply) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, h) })
	}
	route("GET /repos/{owner}/{repo}/collaborators", s.listCollaborators)
	route("GET /repos/{owner}/{repo}/collaborators/{user}/permission", s.collaboratorPermission)
	route("GET /repos/{owner}/{repo}/teams", s.listTeams)
	route("GET /orgs/{org}/teams/{slug}/repos/{owner}/{repo}", s.teamRepo)
	route("GET /orgs/{org}/teams/{slug}/memberships/{user}", s.teamMembership)
	route("GET /repos/{owner}/{repo}/issues/{number}/comments", s.listComments)
	route("POST /repos/{owner}/{repo}/issues/{number}/comments", s.createComment)
	route("PATCH /repos/{owner}/{repo}/issues/comments/{id}", s.editComment)
	s.routeIssues(route)
	route("GET /repos/{owner}/{repo}/pulls/{number}/commits", s.listPullCommits)
	mux.HandleFunc("POST /app/installations/{id}/access_tokens", s.mintToken)
	route("/", func(*http.Request) reply { return notFound() })
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	return s
}

// Close shuts the server down, waiting for requests in flight.
func (s *Server) Close() { s.srv.Close() }

// Client returns an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// RequireToken makes every request without "Authorization: Bearer token"
// (or "token token") fail with 401 Bad credentials.
func (s *Server) RequireToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.token = token
}

// SetCollaborator gives login a role on the repository (Read, Triage,
// Write, Maintain or Admin), adding it if new.
func (s *Server) SetCollaborator(login, role string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := strings.ToLower(login)
	if c, ok := s.collaborators[k]; ok {
		c.role = role
		return
	}
	s.nextID++
	s.collaborators[k] = &collaborator{login: login, id: s.nextID, role: role}
}

// RemoveCollaborator takes away login's access to the repository.
func (s *Server) RemoveCollaborator(login string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.collaborators, strings.ToLower(login))
}

// SetTeam creates the organization's team slug if new and sets its
// permission on the repository (Pull, Triage, Push, Maintain or Admin; ""
// for none).
func (s *Server) SetTeam(slug, perm string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.team(slug).perm = perm
}

// SetMember makes login a member of team slug in state Active or Pending,
// creating the team (without repository access) if new.
func (s *Server) SetMember(slug, login, state string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.team(slug).members[strings.ToLower(login)] = member{login: login, state: state}
}

// team returns the team slug, creating it. s.mu must be held.
func (s *Server) team(slug string) *team {
	k := strings.ToLower(slug)
	t, ok := s.teams[k]
	if !ok {
		s.nextID++
		t = &team{slug: slug, id: s.nextID, members: map[string]member{}}
		s.teams[k] = t
	}
	return t
}

// AddPullCommit appends a commit to pull request pr.
func (s *Server) AddPullCommit(pr int, c PullCommit) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commits[pr] = append(s.commits[pr], c)
}

// SetPullCommits makes cs, oldest first, the commits of pull request pr.
func (s *Server) SetPullCommits(pr int, cs ...PullCommit) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commits[pr] = append([]PullCommit(nil), cs...)
}

// AddApp installs the GitHub App id on the organization as installation
// installationID; key verifies the JWTs the App signs. Once an App is
// added, every request needs a valid token: the one given to
// [Server.RequireToken], if any, or an installation token the App minted.
func (s *Server) AddApp(id string, installationID int64, key *rsa.PublicKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apps = append(s.apps, app{id: id, installationID: installationID, key: key})
}

// SetTokenLifetime sets how long the installation tokens minted from now
// on stay valid; GitHub's, and the default, is an hour.
func (s *Server) SetTokenLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenLifetime = d
}

// Minted counts the installation tokens minted.
func (s *Server) Minted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.minted
}

// ExpireTokens makes every installation token minted so far invalid, as
// if an hour had passed.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, t := range s.installTokens {
		t.expires = time.Now().Add(-time.Second)
		s.installTokens[k] = t
	}
}

// AddComment seeds a comment by author on pull request pr and returns its ID.
func (s *Server) AddComment(pr int, author, body string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	s.comments = append(s.comments, &Comment{ID: s.nextID, PR: pr, Author: author, Body: body})
	return s.nextID
}

// Comments returns the comments on pull request pr, oldest first.
func (s *Server) Comments(pr int) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Comment
	for _, c := range s.comments {
		if c.PR == pr {
			out = append(out, *c)
		}
	}
	return out
}

// SetRateLimited makes every request fail as GitHub does when the primary
// rate limit is exhausted: 403 "API rate limit exceeded" with
// X-RateLimit-Remaining: 0.
func (s *Server) SetRateLimited(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateLimited = on
}

// Fail makes every request fail with status (a 5xx, or 429); 0 stops it.
func (s *Server) Fail(status int) { s.FailPath("", status) }

// FailPath makes requests whose path contains substr fail with status; 0
// stops it.
func (s *Server) FailPath(substr string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if status == 0 {
		delete(s.fail, substr)
		return
	}
	s.fail[substr] = status
}

// failure returns the status a request to path must fail with, or 0.
// s.mu must be held.
func (s *Server) failure(path string) int {
	for substr, status := range s.fail {
		if strings.Contains(path, substr) {
			return status
		}
	}
	return 0
}

// ForbidListing makes the collaborator and team listings answer 403, as
// GitHub does for a token without push access, while the rate limit is
// not exhausted.
func (s *Server) ForbidListing(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forbidListing = on
}

// Requests returns the requests received since the last ResetLog.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// NotModified counts the requests answered 304 since the last ResetLog.
func (s *Server) NotModified() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.log {
		if r.Status == http.StatusNotModified {
			n++
		}
	}
	return n
}

// ResetLog forgets the requests received so far.
func (s *Server) ResetLog() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}

// Remaining returns the rate-limit budget left, as the server reports it.
func (s *Server) Remaining() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.remaining
}

// reply is a response computed under s.mu and written after it is released.
type reply struct {
	status int
	header http.Header
	body   any // JSON-encoded unless nil or []byte
}

func jsonReply(status int, body any) reply { return reply{status: status, body: body} }

func message(status int, msg string) reply {
	return jsonReply(status, map[string]string{
		"message":           msg,
		"documentation_url": "https://docs.github.com/rest",
	})
}

func notFound() reply { return message(http.StatusNotFound, "Not Found") }

// serve runs h under s.mu after the checks every GitHub request passes
// through, then writes its reply with rate-limit headers.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, h func(*http.Request) reply) {
	s.mu.Lock()
	var rep reply
	switch {
	case !s.authorized(r.Header.Get("Authorization")):
		rep = message(http.StatusUnauthorized, "Bad credentials")
	case s.rateLimited:
		rep = message(http.StatusForbidden, "API rate limit exceeded for user ID 1.")
		s.remaining = 0
	case s.failure(r.URL.Path) != 0:
		st := s.failure(r.URL.Path)
		rep = message(st, http.StatusText(st))
	default:
		rep = h(r)
	}
	// GitHub does not count a 304 against the rate limit.
	if rep.status != http.StatusNotModified && s.remaining > 0 {
		s.remaining--
	}
	hdr := w.Header()
	for k, v := range rep.header {
		hdr[k] = v
	}
	reset := s.start.Add(time.Hour).Unix()
	hdr.Set("X-RateLimit-Limit", strconv.Itoa(RateLimit))
	hdr.Set("X-RateLimit-Remaining", strconv.Itoa(s.remaining))
	hdr.Set("X-RateLimit-Used", strconv.Itoa(RateLimit-s.remaining))
	hdr.Set("X-RateLimit-Reset", strconv.FormatInt(reset, 10))
	hdr.Set("X-RateLimit-Resource", "core")
	s.log = append(s.log, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Status: rep.status})
	s.mu.Unlock()

	var body []byte
	switch b := rep.body.(type) {
	case nil:
	case []byte:
		body = b
	default:
		body, _ = json.Marshal(b) // only maps, slices and strings: cannot fail
	}
	if body != nil {
		hdr.Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(rep.status)
	w.Write(body)
}

// authorized reports whether an Authorization header passes: anything when
// neither a token nor an App is required, else the required token or a
// live installation token. s.mu must be held.
func (s *Server) authorized(auth string) bool {
	if s.token == "" && len(s.apps) == 0 {
		return true
	}
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok {
		tok, ok = strings.CutPrefix(auth, "token ")
	}
	if !ok || tok == "" {
		return false
	}
	if s.token != "" && tok == s.token {
		return true
	}
	it, ok := s.installTokens[tok]
	return ok && time.Now().Before(it.expires)
}

// ours reports whether the request names the server's repository; GitHub
// compares owner and repository names case-insensitively.
func (s *Server) ours(r *http.Request) bool {
	return strings.EqualFold(r.PathValue("owner"), s.owner) && strings.EqualFold(r.PathValue("repo"), s.repo)
}

// paginate answers a listing with one page of items, Link headers for the
// others and an ETag, or 304 when If-None-Match names the page's ETag.
func paginate(r *http.Request, items []any) reply {
	q := r.URL.Query()
	per, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || per <= 0 {
		per = 30
	}
	per = min(per, 100)
	page, err := strconv.Atoi(q.Get("page"))
	if err != nil || page <= 0 {
		page = 1
	}
	last := max(1, (len(items)+per-1)/per)
	lo := min((page-1)*per, len(items))
	hi := min(lo+per, len(items))
	body, _ := json.Marshal(append([]any{}, items[lo:hi]...))
	sum := sha256.Sum256(body)
	etag := `W/"` + hex.EncodeToString(sum[:16]) + `"`
	h := http.Header{}
	h.Set("ETag", etag)
	link := func(p int, rel string) string {
		u := url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path}
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("page", strconv.Itoa(p))
		u.RawQuery = v.Encode()
		return fmt.Sprintf("<%s>; rel=%q", u.String(), rel)
	}
	var links []string
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(page-1, "prev"), link(1, "first"))
	}
	if len(links) > 0 {
		h.Set("Link", strings.Join(links, ", "))
	}
	for _, tag := range strings.Split(r.Header.Get("If-None-Match"), ",") {
		if strings.TrimSpace(tag) == etag {
			return reply{status: http.StatusNotModified, header: h}
		}
	}
	return reply{status: http.StatusOK, header: h, body: body}
}

// rolePermissions is the permissions object GitHub reports for a role.
func rolePermissions(role string) map[string]bool {
	rank := map[string]int{Read: 1, Pull: 1, Triage: 2, Write: 3, Push: 3, Maintain: 4, Admin: 5}[role]
	return map[string]bool{
		"pull":     rank >= 1,
		"triage":   rank >= 2,
		"push":     rank >= 3,
		"maintain": rank >= 4,
		"admin":    rank >= 5,
	}
}

func (s *Server) user(c *collaborator) map[string]any {
	return map[string]any{
		"login": c.login,
		"id":    c.id,
		"type":  "User",
		"url":   s.URL + "/users/" + c.login,
	}
}

func (s *Server) listCollaborators(r *http.Request) reply {
	if !s.ours(r) {
		return notFound()
	}
	if s.forbidListing {
		return message(http.StatusForbidden, "Must have push access to view repository collaborators.")
	}
	cs := make([]*collaborator, 0, len(s.collaborators))
	for _, c := range s.collaborators {
		cs = append(cs, c)
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].id < cs[j].id })
	items := make([]any, len(cs))
	for i, c := range cs {
		u := s.user(c)
		u["permissions"] = rolePermissions(c.role)
		u["role_name"] = c.role
		items[i] = u
	}
	return paginate(r, items)
}

func (s *Server) collaboratorPermission(r *http.Request) reply {
	if !s.ours(r) {
		return notFound()
	}
	login := r.PathValue("user")
	c, ok := s.collaborators[strings.ToLower(login)]
	if !ok {
		// GitHub answers "none" for a user who exists but has no access.
		return jsonReply(http.StatusOK, map[string]any{
			"permission": "none",
			"role_name":  "",
			"user":       map[string]any{"login": login},
		})
	}
	// The legacy "permission" field folds maintain into write and triage
	// into read; role_name keeps the role.
	perm := map[string]string{Read: "read", Triage: "read", Write: "write", Maintain: "write", Admin: "admin"}[c.role]
	u := s.user(c)
	u["permissions"] = rolePermissions(c.role)
	return jsonReply(http.StatusOK, map[string]any{"permission": perm, "role_name": c.role, "user": u})
}

func (s *Server) teamJSON(t *team) map[string]any {
	return map[string]any{
		"id":          t.id,
		"slug":        t.slug,
		"name":        t.slug,
		"permission":  t.perm,
		"permissions": rolePermissions(t.perm),
		"url":         s.URL + "/orgs/" + s.owner + "/teams/" + t.slug,
	}
}

func (s *Server) listTeams(r *http.Request) reply {
	if !s.ours(r) {
		return notFound()
	}
	if s.forbidListing {
		return message(http.StatusForbidden, "Resource not accessible by integration")
	}
	ts := make([]*team, 0, len(s.teams))
	for _, t := range s.teams {
		if t.perm != "" {
			ts = append(ts, t)
		}
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].id < ts[j].id })
	items := make([]any, len(ts))
	for i, t := range ts {
		items[i] = s.teamJSON(t)
	}
	return paginate(r, items)
}

func (s *Server) teamRepo(r *http.Request) reply {
	t, ok := s.teams[strings.ToLower(r.PathValue("slug"))]
	if !ok || !strings.EqualFold(r.PathValue("org"), s.owner) || !s.ours(r) || t.perm == "" {
		return notFound()
	}
	// Without the repository media type GitHub only confirms with 204.
	if !strings.Contains(r.Header.Get("Accept"), "application/vnd.github.v3.repository+json") {
		return reply{status: http.StatusNoContent}
	}
	return jsonReply(http.StatusOK, map[string]any{
		"id":          1,
		"name":        s.repo,
		"full_name":   s.owner + "/" + s.repo,
		"permissions": rolePermissions(t.perm),
		"role_name":   t.perm,
	})
}

func (s *Server) teamMembership(r *http.Request) reply {
	t, ok := s.teams[strings.ToLower(r.PathValue("slug"))]
	if !ok || !strings.EqualFold(r.PathValue("org"), s.owner) {
		return notFound()
	}
	m, ok := t.members[strings.ToLower(r.PathValue("user"))]
	if !ok {
		return notFound()
	}
	return jsonReply(http.StatusOK, map[string]any{
		"url":   s.URL + "/orgs/" + s.owner + "/teams/" + t.slug + "/memberships/" + m.login,
		"role":  "member",
		"state": m.state,
	})
}

func (s *Server) commentJSON(c *Comment) map[string]any {
	return map[string]any{
		"id":   c.ID,
		"body": c.Body,
		"user": map[string]any{"login": c.Author, "type": "User"},
		"url":  fmt.Sprintf("%s/repos/%s/%s/issues/comments/%d", s.URL, s.owner, s.repo, c.ID),
	}
}

func (s *Server) listComments(r *http.Request) reply {
	pr, err := strconv.Atoi(r.PathValue("number"))
	if err != nil || !s.ours(r) {
		return notFound()
	}
	var items []any
	for _, c := range s.comments {
		if c.PR == pr {
			items = append(items, s.commentJSON(c))
		}
	}
	return paginate(r, items)
}

// commentBody decodes {"body": "..."}; GitHub rejects a missing body with 422.
func commentBody(r *http.Request) (string, bool) {
	var in struct {
		Body *string `json:"body"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Body == nil {
		return "", false
	}
	return *in.Body, true
}

func (s *Server) createComment(r *http.Request) reply {
	pr, err := strconv.Atoi(r.PathValue("number"))
	if err != nil || !s.ours(r) {
		return notFound()
	}
	body, ok := commentBody(r)
	if !ok {
		return message(http.StatusUnprocessableEntity, "Invalid request: body is required")
	}
	s.nextID++
	c := &Comment{ID: s.nextID, PR: pr, Author: s.login, Body: body}
	s.comments = append(s.comments, c)
	return jsonReply(http.StatusCreated, s.commentJSON(c))
}

func (s *Server) editComment(r *http.Request) reply {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || !s.ours(r) {
		return notFound()
	}
	for _, c := range s.comments {
		if c.ID != id {
			continue
		}
		// The token may only edit its own comments here, as a token
		// without maintainer rights would.
		if c.Author != s.login {
			return message(http.StatusForbidden, "Resource not accessible by integration")
		}
		body, ok := commentBody(r)
		if !ok {
			return message(http.StatusUnprocessableEntity, "Invalid request: body is required")
		}
		c.Body = body
		return jsonReply(http.StatusOK, s.commentJSON(c))
	}
	return notFound()
}

func (s *Server) listPullCommits(r *http.Request) reply {
	pr, err := strconv.Atoi(r.PathValue("number"))
	if err != nil || !s.ours(r) {
		return notFound()
	}
	cs := s.commits[pr]
	// GitHub lists at most 250 commits of a pull request.
	cs = cs[:min(len(cs), 250)]
	items := make([]any, len(cs))
	account := func(login string) any {
		if login == "" {
			return nil
		}
		return map[string]any{"login": login, "type": "User"}
	}
	for i, c := range cs {
		items[i] = map[string]any{
			"sha": c.SHA,
			"commit": map[string]any{
				"author":    map[string]any{"name": c.Author, "email": c.Author + "@example.invalid"},
				"committer": map[string]any{"name": c.Committer, "email": c.Committer + "@example.invalid"},
				"message":   "commit " + c.SHA,
			},
			"author":    account(c.Author),
			"committer": account(c.Committer),
		}
	}
	return paginate(r, items)
}

// installToken is a minted installation token.
type installToken struct {
	installationID int64
	expires        time.Time
}

// mintToken answers POST /app/installations/{id}/access_tokens, which
// GitHub authenticates with the App's JWT rather than a token.
func (s *Server) mintToken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	rep := s.mint(r)
	s.mu.Unlock()
	body, _ := json.Marshal(rep.body)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(rep.status)
	w.Write(body)
}

// mint checks the JWT as GitHub does: RS256 signed by the App's key,
// issued by the App, not yet expired, and valid for at most 10 minutes.
// s.mu must be held.
func (s *Server) mint(r *http.Request) reply {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound()
	}
	jwt, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return message(http.StatusUnauthorized, "A JSON web token could not be decoded")
	}
	claims, signed, sig, ok := splitJWT(jwt)
	if !ok {
		return message(http.StatusUnauthorized, "A JSON web token could not be decoded")
	}
	var a *app
	for i := range s.apps {
		if s.apps[i].id == claims.ISS {
			a = &s.apps[i]
		}
	}
	sum := sha256.Sum256([]byte(signed))
	if a == nil || rsa.VerifyPKCS1v15(a.key, crypto.SHA256, sum[:], sig) != nil {
		return message(http.StatusUnauthorized, "A JSON web token could not be decoded")
	}
	now := time.Now().Unix()
	switch {
	case claims.EXP <= now:
		return message(http.StatusUnauthorized, "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires")
	case claims.IAT > now+60, claims.EXP-claims.IAT > 600:
		return message(http.StatusUnauthorized, "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued")
	}
	if a.installationID != id {
		return notFound()
	}
	var in struct {
		Repositories []string `json:"repositories"`
	}
	if r.Body != nil {
		json.NewDecoder(r.Body).Decode(&in)
	}
	for _, name := range in.Repositories {
		if !strings.EqualFold(name, s.repo) {
			return message(http.StatusUnprocessableEntity, "There is at least one repository that does not exist or is not accessible to the parent installation.")
		}
	}
	buf := make([]byte, 18)
	rand.Read(buf)
	tok := "ghs_" + base64.RawURLEncoding.EncodeToString(buf)
	exp := time.Now().Add(s.tokenLifetime)
	s.installTokens[tok] = installToken{installationID: id, expires: exp}
	s.minted++
	return jsonReply(http.StatusCreated, map[string]any{
		"token":                tok,
		"expires_at":           exp.UTC().Format(time.RFC3339),
		"repository_selection": "selected",
	})
}

type jwtClaims struct {
	IAT int64  `json:"iat"`
	EXP int64  `json:"exp"`
	ISS string `json:"iss"`
}

// splitJWT decodes an RS256 JWT into its claims, the signed part and the
// signature.
func splitJWT(jwt string) (c jwtClaims, signed string, sig []byte, ok bool) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return c, "", nil, false
	}
	enc := base64.RawURLEncoding
	h, err1 := enc.DecodeString(parts[0])
	p, err2 := enc.DecodeString(parts[1])
	sig, err3 := enc.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return c, "", nil, false
	}
	var hdr struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(h, &hdr) != nil || hdr.Alg != "RS256" || json.Unmarshal(p, &c) != nil {
		return c, "", nil, false
	}
	return c, parts[0] + "." + parts[1], sig, true
}
