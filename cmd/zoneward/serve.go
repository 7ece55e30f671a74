package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
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
)

type serveOptions struct {
	remote     string
	listen     string
	sweepBatch int
	// ready, when set (tests), receives the listening address.
	ready chan<- string
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
  GET /healthz    ok
  GET /metrics    Prometheus metrics

Git credentials come from the environment: ZONEWARD_GIT_TOKEN (HTTPS) or
ZONEWARD_GIT_SSH_KEY (path to a private key). Runs never overlap; a push during a run
queues one follow-up run. SIGTERM lets the zone being applied finish, then exits.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runServe(cmd.Context(), g, o, cmd.ErrOrStderr()) },
	}
	f := cmd.Flags()
	f.StringVar(&o.remote, "remote", "", "clone the zones repository from `URL` when --repo has none")
	f.StringVar(&o.listen, "listen", "", "listen on `ADDR` (default serve.listen, :8080)")
	f.IntVar(&o.sweepBatch, "sweep-batch", 0, "zones per sweep, so a large estate is swept over several runs at the provider's rate (default: what the provider's budget allows between two runs of an @every schedule; else all)")
	return cmd
}

func runServe(ctx context.Context, g *globals, o *serveOptions, logw interface{ Write([]byte) (int, error) }) error {
	log := slog.New(slog.NewJSONHandler(logw, nil))
	repo, err := openOrClone(ctx, g.repo, o.remote)
	if err != nil {
		return err
	}
	cfgBranch := "main"
	fetch := func(ctx context.Context) (string, error) { return fetchBranch(ctx, repo, cfgBranch) }
	rev, err := fetch(ctx)
	if err != nil {
		return err
	}
	r, err := newRunner(g.repo, rev)
	if err != nil {
		return err
	}
	l, err := load(ctx, &globals{repo: g.repo, rev: rev}, nil)
	if err != nil {
		return err
	}
	defer l.close()
	sc := l.repo.Config.Serve
	if sc.Branch != "" && sc.Branch != cfgBranch {
		cfgBranch = sc.Branch
		if rev, err = fetch(ctx); err != nil {
			return err
		}
	}
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
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: d, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	log.Info("serving", "addr", ln.Addr().String(), "branch", cfgBranch, "schedule", sc.Schedule, "sweep_batch", d.sweepBatch, "revision", rev)
	if o.ready != nil {
		o.ready <- ln.Addr().String()
	}

	c := cron.New()
	if _, err := c.AddFunc(sc.Schedule, func() { d.trigger(runSweep) }); err != nil {
		srv.Close()
		return fmt.Errorf("serve.schedule %q: %w", sc.Schedule, err)
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
	err = srv.Shutdown(shut)
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

// openOrClone opens the repository at dir, or clones remote there.
func openOrClone(ctx context.Context, dir, remote string) (*gogit.Repository, error) {
	repo, err := gogit.PlainOpen(dir)
	if err == nil {
		return repo, nil
	}
	if !errors.Is(err, gogit.ErrRepositoryNotExists) || remote == "" {
		return nil, fmt.Errorf("opening %s: %w (give --remote to clone it)", dir, err)
	}
	auth, err := gitAuth()
	if err != nil {
		return nil, err
	}
	repo, err = gogit.PlainCloneContext(ctx, dir, false, &gogit.CloneOptions{URL: remote, Auth: auth, NoCheckout: true})
	if err != nil {
		return nil, fmt.Errorf("cloning %s: %w", remote, err)
	}
	return repo, nil
}

// fetchBranch fetches origin and returns the commit of origin/branch. A
// force-push is taken as it is: the incremental run then sees that its
// last revision is no ancestor and runs in full.
func fetchBranch(ctx context.Context, repo *gogit.Repository, branch string) (string, error) {
	auth, err := gitAuth()
	if err != nil {
		return "", err
	}
	err = repo.FetchContext(ctx, &gogit.FetchOptions{
		RemoteName: "origin",
		RefSpecs:   []config.RefSpec{config.RefSpec("+refs/heads/" + branch + ":refs/remotes/origin/" + branch)},
		Auth:       auth,
		Force:      true,
	})
	if err != nil && !errors.Is(err, gogit.NoErrAlreadyUpToDate) {
		return "", fmt.Errorf("fetching origin/%s: %w", branch, err)
	}
	ref, err := repo.Reference(plumbing.NewRemoteReferenceName("origin", branch), true)
	if err != nil {
		return "", fmt.Errorf("origin/%s: %w", branch, err)
	}
	return ref.Hash().String(), nil
}
