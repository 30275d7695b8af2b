package main

import (
	"sync"

	"github.com/uploader-dev/uploader/internal/walk"
)

// uploads are the items to send, in walk order.
func (r *setRun) uploads() []*setItem {
	var out []*setItem
	for _, it := range r.job.items {
		if it.entry.Kind == walk.Regular && it.bad == nil {
			out = append(out, it)
		}
	}
	return out
}

// uploadAll gives each file its turn, up to --concurrency at once, until
// all are done or the set stops (a signal, or a permanent failure): then
// no more files start.
func (r *setRun) uploadAll() {
	slots := make(chan struct{}, r.job.opts.Concurrency)
	var wg sync.WaitGroup
	files := r.uploads()
	for i, it := range files {
		select {
		case slots <- struct{}{}:
		case <-r.intr.Stop:
		case <-r.ctx.Done():
		}
		if r.halted() {
			for _, rest := range files[i:] {
				r.finish(fileOutcome{item: rest, status: fileNotStarted})
			}
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			r.finish(r.one(it))
		}()
	}
	wg.Wait()
}

// halted reports that no more files may start.
func (r *setRun) halted() bool {
	select {
	case <-r.intr.Stop:
		return true
	case <-r.ctx.Done():
		return true
	default:
		return false
	}
}

// notStartedAll counts every file to upload as not started (the preflight
// failed).
func (r *setRun) notStartedAll() {
	for _, it := range r.uploads() {
		r.finish(fileOutcome{item: it, status: fileNotStarted})
	}
}

// stopSet stops the set for a permanent failure: the files in flight are
// cancelled (their uploads kept for a rerun) and no more start.
func (r *setRun) stopSet(o fileOutcome) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopper == nil {
		r.stopper = &o
		r.stop(errSetStopped)
	}
}

// finish counts and reports one outcome.
func (r *setRun) finish(o fileOutcome) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tally.add(o)
	if o.status == fileNotStarted {
		return
	}
	if r.bar != nil && o.item.entry.Kind == walk.Regular && o.item.bad == nil { // the bar counts the files to upload
		var unsent int64
		if o.status == fileSkipped && o.reason == skipExists {
			unsent = o.item.entry.Size
		}
		r.bar.fileDone(unsent)
	}
	r.reportOutcome(o)
	if r.events != nil {
		r.events.result(o)
	}
}
