package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"github.com/robfig/cron/v3"
	"github.com/spf13/cobra"

	"github.com/zoneward/zoneward/schema"
)

type serveOptions struct {
	remote     string
	listen     string
	branch     string // the branch whose zoneward.yaml is read first
	sweepBatch int
	// ready, when set (tests), receives the listening address, then the
	// metrics listener's when serve.metrics_listen is set.
	ready chan<- string
	// timeouts, when set (tests), replace defaultTimeouts.
	timeouts *timeouts
}

// timeouts bound what a client of the webhook listener can hold.
type timeouts struct {
	header, read, write, idle time.Duration
}

// defaultTimeouts: GitHub sends a delivery's headers and body at once and
// expects an answer within 10 seconds
// (https://docs.github.com/en/webhooks/using-webhooks/best-practices-for-using-webhooks#respond-within-10-seconds),
// so a request still arriving after 15 seconds is not GitHub's, and a
// slow sender is cut off there instead of holding its connection and its
// body's memory. The write timeout runs from the end of the headers, so
// it covers the body's read too; idle connections are kept a minute for
// GitHub and scrapers that reuse them.
var defaultTimeouts = timeouts{header: 5 * time.Second, read: 15 * time.Second, write: 30 * time.Second, idle: time.Minute}

// maxHeaderBytes: GitHub's webhook headers are well under a kilobyte;
// the server's default of 1 MB per connection is room for abuse.
const maxHeaderBytes = 64 << 10

func (t timeouts) server(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: t.header, ReadTimeout: t.read,
		WriteTimeout: t.write, IdleTimeout: t.idle, MaxHeaderBytes: maxHeaderBytes}
}

func newServeCmd(g *globals) *cobra.Command {
	o := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the reconciler as a daemon: apply on pushes (webhook) and sweep on a schedule",
		Long: `serve keeps a clone of the zones repository in --repo (cloned from --remote when
missing, and fetched before every run) and reconciles the configured branch:

  POST /webhook   a GitHub push to serve.branch runs an incremental apply (--since last);
                  the X-Hub-Signature-256 must verify with the secret in the variable
                  serve.webhook_secret_env, else 401 and nothing runs
  schedule        serve.schedule (default every 15 minutes) runs a sweep: repository
                  access re-checks and drift correction, --sweep-batch zones at a time
  audit schedule  serve.audit_schedule (default none) runs the takeover audit, at start
                  and then on the schedule; with the github block it keeps the findings'
                  issues, as audit --issues does; findings are in /metrics
  GET /healthz    ok
  GET /metrics    Prometheus metrics

With serve.metrics_listen set, /metrics is served there instead, so that it need not be
reachable by whoever can reach the webhook. Git credentials come from the environment:
ZONEWARD_GIT_TOKEN (HTTPS) or ZONEWARD_GIT_SSH_KEY (path to a private key), or from the
--remote URL's user information, which is never printed or written to disk. Runs never
overlap, audits included; a push during a run queues one follow-up run. SIGTERM lets the
zone being applied finish, then exits.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runServe(cmd.Context(), g, o, cmd.ErrOrStderr()) },
	}
	f := cmd.Flags()
	f.StringVar(&o.remote, "remote", "", "clone the zones repository from `URL` when --repo has none")
	f.StringVar(&o.listen, "listen", "", "listen on `ADDR` (default serve.listen, :8080)")
	f.StringVar(&o.branch, "branch", "main", "read zoneward.yaml first from `BRANCH`; its serve.branch, when another, is then the one reconciled")
	f.IntVar(&o.sweepBatch, "sweep-batch", 0, "zones per sweep, so a large estate is swept over several runs at the provider's rate (default: what the provider's budget allows between two runs of an @every schedule; else all)")
	return cmd
}

// configAt reads and checks zoneward.yaml of the repository at dir at
// revision rev, and nothing else.
func configAt(dir, rev string) (schema.Config, error) {
	fsys, _, _, err := openRepo(&globals{repo: dir, rev: rev})
	if err != nil {
		return schema.Config{}, err
	}
	defer closeFS(fsys)
	data, err := schema.ReadConfigFile(fsys)
	if err != nil {
		return schema.Config{}, err
	}
	cfg, errs := schema.ParseConfig(data)
	return cfg, errs.Err()
}

func runServe(ctx context.Context, g *globals, o *serveOptions, logw interface{ Write([]byte) (int, error) }) error {
	log := slog.New(slog.NewJSONHandler(logw, nil))
	remote, auth, err := remoteAuth(o.remote)
	if err != nil {
		return err
	}
	repo, err := openOrClone(g.repo, remote)
	if err != nil {
		return err
	}
	cfgBranch := o.branch
	if cfgBranch == "" {
		cfgBranch = "main"
	}
	fetch := func(ctx context.Context) (string, error) { return fetchBranch(ctx, repo, cfgBranch, auth) }
	rev, err := fetch(ctx)
	if err != nil {
		return err
	}
	cfg, err := configAt(g.repo, rev)
	if err != nil {
		return err
	}
	if b := cfg.Serve.Branch; b != "" && b != cfgBranch {
		// The branch reconciled is another: its own zoneward.yaml says
		// how (provider, secrets, listeners), not the first branch's.
		cfgBranch = b
		if rev, err = fetch(ctx); err != nil {
			return err
		}
		if cfg, err = configAt(g.repo, rev); err != nil {
			return err
		}
	}
	r, err := newRunner(g.repo, rev)
	if err != nil {
		return err
	}
	sc := cfg.Serve
	secret := os.Getenv(sc.WebhookSecretEnv)
	if secret == "" {
		return fmt.Errorf("serve.webhook_secret_env names %s, which is not set: webhooks cannot be verified without it", sc.WebhookSecretEnv)
	}
	d := newDaemon(r, cfgBranch, []byte(secret), log)
	d.fetch = fetch
	d.sweepBatch = o.sweepBatch
	if d.sweepBatch == 0 {
		if every, ok := strings.CutPrefix(sc.Schedule, "@every "); ok {
			if dur, err := time.ParseDuration(every); err == nil {
				d.sweepBatch = sweepBatchFor(r.provider, dur)
			}
		}
	}

	listen := o.listen
	if listen == "" {
		listen = sc.Listen
	}
	t := defaultTimeouts
	if o.timeouts != nil {
		t = *o.timeouts
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	srv := t.server(d)
	servers := []*http.Server{srv}
	go srv.Serve(ln)
	var metricsAddr string
	if sc.MetricsListen != "" {
		mln, err := net.Listen("tcp", sc.MetricsListen)
		if err != nil {
			srv.Close()
			return fmt.Errorf("serve.metrics_listen: %w", err)
		}
		d.separateMetrics = true
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", d.m.handler)
		msrv := t.server(mux)
		servers = append(servers, msrv)
		go msrv.Serve(mln)
		metricsAddr = mln.Addr().String()
	}
	log.Info("serving", "addr", ln.Addr().String(), "metrics_addr", metricsAddr, "branch", cfgBranch,
		"schedule", sc.Schedule, "audit_schedule", sc.AuditSchedule, "sweep_batch", d.sweepBatch, "revision", rev)
	if o.ready != nil {
		o.ready <- ln.Addr().String()
		if metricsAddr != "" {
			o.ready <- metricsAddr
		}
	}

	c := cron.New()
	if _, err := c.AddFunc(sc.Schedule, func() { d.trigger(runSweep) }); err != nil {
		for _, s := range servers {
			s.Close()
		}
		return fmt.Errorf("serve.schedule %q: %w", sc.Schedule, err)
	}
	if err := d.scheduleAudit(c, sc.AuditSchedule); err != nil {
		for _, s := range servers {
			s.Close()
		}
		return err
	}
	c.Start()
	d.trigger(runIncremental) // catch up with whatever was pushed while down

	done := make(chan struct{})
	go func() { d.loop(ctx); close(done) }()
	<-ctx.Done()
	log.Info("shutting down")
	<-c.Stop().Done()
	shut, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, s := range servers {
		err = errors.Join(err, s.Shutdown(shut))
	}
	<-done // the run in progress finishes its zone and returns
	return err
}

// gitAuth reads Git credentials from the environment.
func gitAuth() (transport.AuthMethod, error) {
	if t := os.Getenv("ZONEWARD_GIT_TOKEN"); t != "" {
		return &githttp.BasicAuth{Username: "x-access-token", Password: t}, nil
	}
	if k := os.Getenv("ZONEWARD_GIT_SSH_KEY"); k != "" {
		a, err := gitssh.NewPublicKeysFromFile("git", k, os.Getenv("ZONEWARD_GIT_SSH_KEY_PASSWORD"))
		if err != nil {
			return nil, fmt.Errorf("ZONEWARD_GIT_SSH_KEY: %w", err)
		}
		return a, nil
	}
	return nil, nil
}

// remoteAuth splits the credentials off a remote URL
// ("https://user:token@host/repo.git"): Git gets the URL without them and
// the credentials as its authentication, so they are never written to the
// clone's configuration, never reach an error message, and never printed.
// Without credentials in the URL, they come from the environment.
func remoteAuth(remote string) (string, transport.AuthMethod, error) {
	if remote != "" {
		u, err := url.Parse(remote)
		if err == nil && u.User != nil && (u.Scheme == "https" || u.Scheme == "http") {
			pw, _ := u.User.Password()
			auth := &githttp.BasicAuth{Username: u.User.Username(), Password: pw}
			u.User = nil
			return u.String(), auth, nil
		}
		if err != nil {
			return "", nil, fmt.Errorf("--remote %s: not a URL", redactURL(remote))
		}
	}
	auth, err := gitAuth()
	return remote, auth, err
}

// redactURL hides the credentials of a URL for printing:
// "https://user:xxxxx@host/…", or "https://xxxxx@host/…" when the user
// information has no password, since a token alone is accepted as a user
// name too. It does not rely on the string parsing as a URL: whatever lies
// between "://" and the last "@" is treated as user information, so a
// malformed URL, whose parse would put the password in a path or a
// fragment, is redacted too.
func redactURL(s string) string {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return s // a path, or "git@host:repo", which holds no password
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return s
	}
	if user, _, hasPassword := strings.Cut(rest[:at], ":"); hasPassword {
		return scheme + "://" + user + ":xxxxx@" + rest[at+1:]
	}
	return scheme + "://xxxxx@" + rest[at+1:]
}

// openOrClone opens the repository at dir, or makes it an empty one with
// remote as its origin for fetchBranch to fill. It does not clone: a clone
// checks out the remote's HEAD, and a remote whose HEAD names a branch
// that does not exist (never pushed, or renamed) cannot be cloned by
// go-git although it serves the configured branch. When remote is given
// and the repository's origin differs, origin is pointed at remote.
func openOrClone(dir, remote string) (*gogit.Repository, error) {
	repo, err := gogit.PlainOpen(dir)
	switch {
	case err == nil:
	case !errors.Is(err, gogit.ErrRepositoryNotExists) || remote == "":
		return nil, fmt.Errorf("opening %s: %w (give --remote to clone it)", dir, err)
	default:
		if repo, err = gogit.PlainInit(dir, false); err != nil {
			return nil, fmt.Errorf("creating a repository in %s for %s: %w", dir, redactURL(remote), err)
		}
	}
	if remote == "" {
		return repo, nil
	}
	if r, err := repo.Remote("origin"); err == nil {
		if urls := r.Config().URLs; len(urls) == 1 && urls[0] == remote {
			return repo, nil
		}
		if err := repo.DeleteRemote("origin"); err != nil {
			return nil, fmt.Errorf("%s: replacing origin: %w", dir, err)
		}
	}
	if _, err := repo.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{remote}}); err != nil {
		return nil, fmt.Errorf("%s: setting origin to %s: %w", dir, redactURL(remote), err)
	}
	return repo, nil
}

// fetchBranch fetches origin and returns the commit of origin/branch. A
// force-push is taken as it is: the incremental run then sees that its
// last revision is no ancestor and runs in full.
func fetchBranch(ctx context.Context, repo *gogit.Repository, branch string, auth transport.AuthMethod) (string, error) {
	err := repo.FetchContext(ctx, &gogit.FetchOptions{
		RemoteName: "origin",
		RefSpecs:   []config.RefSpec{config.RefSpec("+refs/heads/" + branch + ":refs/remotes/origin/" + branch)},
		Auth:       auth,
		Force:      true,
	})
	if err != nil && !errors.Is(err, gogit.NoErrAlreadyUpToDate) {
		return "", fmt.Errorf("fetching origin/%s from %s: %w", branch, originURL(repo), err)
	}
	ref, err := repo.Reference(plumbing.NewRemoteReferenceName("origin", branch), true)
	if err != nil {
		return "", fmt.Errorf("origin/%s: %w", branch, err)
	}
	return ref.Hash().String(), nil
}

// originURL is origin's URL, redacted, for messages: a clone made before
// credentials were split off may still hold them.
func originURL(repo *gogit.Repository) string {
	r, err := repo.Remote("origin")
	if err != nil || len(r.Config().URLs) == 0 {
		return "origin"
	}
	return redactURL(r.Config().URLs[0])
}
