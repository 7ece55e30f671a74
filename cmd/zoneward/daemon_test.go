package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestDaemonQueue checks that runs never overlap and that any number of
// triggers during a run fold into one follow-up run.
func TestDaemonQueue(t *testing.T) {
	d := newDaemon(&runner{}, "main", []byte("s"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	var running, maxRunning, calls atomic.Int32
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	d.fetch = func(ctx context.Context) (string, error) {
		n := running.Add(1)
		if n > maxRunning.Load() {
			maxRunning.Store(n)
		}
		calls.Add(1)
		started <- struct{}{}
		<-release
		running.Add(-1)
		return "", errors.New("test: no repository")
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); d.loop(ctx) }()

	d.trigger(runIncremental)
	<-started // the first run is in progress
	for i := 0; i < 5; i++ {
		d.trigger(runIncremental)
	}
	d.trigger(runSweep)
	release <- struct{}{} // end run 1
	<-started             // the one follow-up run
	d.mu.Lock()
	queued := d.pending
	d.mu.Unlock()
	release <- struct{}{}
	select {
	case <-started:
		t.Errorf("a third run started: triggers during a run must fold into one follow-up")
		release <- struct{}{}
	case <-time.After(200 * time.Millisecond):
	}
	cancel()
	wg.Wait()
	if calls.Load() != 2 || maxRunning.Load() != 1 {
		t.Errorf("runs = %d (want 2), most at once = %d (want 1)", calls.Load(), maxRunning.Load())
	}
	if queued != 0 {
		t.Errorf("pending after the follow-up started = %v", queued)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.m.runs["incremental,error"] != 1 || d.m.runs["sweep,error"] != 1 {
		t.Errorf("runs by kind = %v, want the follow-up to be a sweep (a sweep absorbs incrementals)", d.m.runs)
	}
}
