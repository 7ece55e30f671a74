package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Issue is an issue of the repository.
type Issue struct {
	Number      int
	Title       string
	Body        string
	State       string // "open" or "closed"
	StateReason string // "completed", "not_planned", "reopened", or ""
	Labels      []string
	Author      string
	Created     time.Time
}

// issueStore is the repository's issues; the Server's mu guards it.
type issueStore struct {
	list []*Issue // by number
}

// Limits GitHub enforces on an issue, answered with 422 like GitHub.
const (
	maxTitle = 256   // characters
	maxBody  = 65536 // characters
)

// routeIssues adds the issue endpoints: list, create and edit
// (https://docs.github.com/rest/issues/issues).
func (s *Server) routeIssues(route func(pattern string, h func(*http.Request) reply)) {
	route("GET /repos/{owner}/{repo}/issues", s.listIssues)
	route("POST /repos/{owner}/{repo}/issues", s.createIssue)
	route("PATCH /repos/{owner}/{repo}/issues/{number}", s.editIssue)
}

// AddIssue seeds an issue by author, open, and returns its number.
func (s *Server) AddIssue(author, title, body string, labels ...string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newIssue(author, title, body, labels).Number
}

// CloseIssue closes issue number as a person would, with reason
// ("completed" or "not_planned").
func (s *Server) CloseIssue(number int, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if is := s.issue(number); is != nil {
		is.State, is.StateReason = "closed", reason
	}
}

// Issues returns every issue, by number.
func (s *Server) Issues() []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Issue, len(s.issues.list))
	for i, is := range s.issues.list {
		out[i] = *is
		out[i].Labels = slices.Clone(is.Labels)
	}
	return out
}

// newIssue adds an open issue. s.mu must be held.
func (s *Server) newIssue(author, title, body string, labels []string) *Issue {
	n := len(s.issues.list) + 1
	// Creation times a second apart keep GitHub's default order
	// (newest first) deterministic.
	is := &Issue{Number: n, Title: title, Body: body, State: "open", Labels: slices.Clone(labels), Author: author,
		Created: s.start.Add(time.Duration(n) * time.Second)}
	s.issues.list = append(s.issues.list, is)
	return is
}

// issue returns issue number, or nil. s.mu must be held.
func (s *Server) issue(number int) *Issue {
	if number < 1 || number > len(s.issues.list) {
		return nil
	}
	return s.issues.list[number-1]
}

func (s *Server) issueJSON(is *Issue) map[string]any {
	labels := make([]any, len(is.Labels))
	for i, l := range is.Labels {
		labels[i] = map[string]any{"name": l, "default": false}
	}
	var reason any
	if is.StateReason != "" {
		reason = is.StateReason
	}
	return map[string]any{
		"id":           int64(1_000_000 + is.Number),
		"number":       is.Number,
		"title":        is.Title,
		"body":         is.Body,
		"state":        is.State,
		"state_reason": reason,
		"labels":       labels,
		"user":         map[string]any{"login": is.Author, "type": "User"},
		"created_at":   is.Created.UTC().Format(time.RFC3339),
		"url":          fmt.Sprintf("%s/repos/%s/%s/issues/%d", s.URL, s.owner, s.repo, is.Number),
		"html_url":     fmt.Sprintf("https://github.com/%s/%s/issues/%d", s.owner, s.repo, is.Number),
	}
}

func validationFailed(msg string) reply {
	return message(http.StatusUnprocessableEntity, "Validation Failed: "+msg)
}

// listIssues answers GET /repos/{owner}/{repo}/issues: state (open, the
// default; closed; all), labels (comma-separated; an issue must carry every
// one, compared case-insensitively), creator, and direction of creation
// order (desc, the default).
func (s *Server) listIssues(r *http.Request) reply {
	if !s.ours(r) {
		return notFound()
	}
	q := r.URL.Query()
	state := q.Get("state")
	switch state {
	case "":
		state = "open"
	case "open", "closed", "all":
	default:
		return validationFailed(fmt.Sprintf("state %q is not open, closed or all", state))
	}
	var want []string
	if l := q.Get("labels"); l != "" {
		for _, name := range strings.Split(l, ",") {
			want = append(want, strings.ToLower(strings.TrimSpace(name)))
		}
	}
	creator := q.Get("creator")
	var items []any
	for _, is := range s.issues.list {
		if state != "all" && is.State != state {
			continue
		}
		if creator != "" && !strings.EqualFold(is.Author, creator) {
			continue
		}
		has := true
		for _, w := range want {
			has = has && slices.ContainsFunc(is.Labels, func(l string) bool { return strings.ToLower(l) == w })
		}
		if has {
			items = append(items, s.issueJSON(is))
		}
	}
	if q.Get("direction") != "asc" {
		slices.Reverse(items)
	}
	return paginate(r, items)
}

// issueInput is the body of a create or edit request. Pointers tell an
// absent field from an empty one, as GitHub does.
type issueInput struct {
	Title       *string   `json:"title"`
	Body        *string   `json:"body"`
	State       *string   `json:"state"`
	StateReason *string   `json:"state_reason"`
	Labels      *[]string `json:"labels"`
}

func decodeIssue(r *http.Request) (issueInput, *reply) {
	var in issueInput
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		rep := message(http.StatusBadRequest, "Problems parsing JSON")
		return in, &rep
	}
	if in.Title != nil && utf8.RuneCountInString(*in.Title) > maxTitle {
		rep := validationFailed(fmt.Sprintf("title is too long (maximum is %d characters)", maxTitle))
		return in, &rep
	}
	if in.Body != nil && utf8.RuneCountInString(*in.Body) > maxBody {
		rep := validationFailed(fmt.Sprintf("body is too long (maximum is %d characters)", maxBody))
		return in, &rep
	}
	return in, nil
}

func (s *Server) createIssue(r *http.Request) reply {
	if !s.ours(r) {
		return notFound()
	}
	in, bad := decodeIssue(r)
	switch {
	case bad != nil:
		return *bad
	case in.Title == nil || strings.TrimSpace(*in.Title) == "":
		return validationFailed("title is required")
	case in.State != nil || in.StateReason != nil:
		return validationFailed("state is not a create parameter")
	}
	var body string
	if in.Body != nil {
		body = *in.Body
	}
	var labels []string
	if in.Labels != nil {
		labels = *in.Labels
	}
	return jsonReply(http.StatusCreated, s.issueJSON(s.newIssue(s.login, *in.Title, body, labels)))
}

// editIssue answers PATCH /repos/{owner}/{repo}/issues/{number}. Closing
// without a reason records "completed"; reopening records "reopened".
func (s *Server) editIssue(r *http.Request) reply {
	n, err := strconv.Atoi(r.PathValue("number"))
	if err != nil || !s.ours(r) {
		return notFound()
	}
	is := s.issue(n)
	if is == nil {
		return notFound()
	}
	in, bad := decodeIssue(r)
	if bad != nil {
		return *bad
	}
	// Validate everything first: GitHub changes nothing on a 422.
	if in.Title != nil && strings.TrimSpace(*in.Title) == "" {
		return validationFailed("title cannot be blank")
	}
	if in.StateReason != nil {
		switch *in.StateReason {
		case "completed", "not_planned", "duplicate", "reopened":
		default:
			return validationFailed(fmt.Sprintf("state_reason %q is not completed, not_planned, duplicate or reopened", *in.StateReason))
		}
	}
	if in.State != nil && *in.State != "open" && *in.State != "closed" {
		return validationFailed(fmt.Sprintf("state %q is not open or closed", *in.State))
	}
	if in.Title != nil {
		is.Title = *in.Title
	}
	if in.Body != nil {
		is.Body = *in.Body
	}
	if in.Labels != nil {
		is.Labels = slices.Clone(*in.Labels)
	}
	switch {
	case in.State == nil:
	case *in.State == "closed":
		if is.State != "closed" {
			is.State, is.StateReason = "closed", "completed"
		}
		if in.StateReason != nil {
			is.StateReason = *in.StateReason
		}
	case is.State != "open":
		is.State, is.StateReason = "open", "reopened"
	}
	return jsonReply(http.StatusOK, s.issueJSON(is))
}
