package tree

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"

	"github.com/uploader-dev/uploader/internal/checksum"
	"github.com/uploader-dev/uploader/internal/walk"
	"github.com/uploader-dev/uploader/upload"
)

// FailurePolicy says what a permanent failure of one file does to the set.
type FailurePolicy int

const (
	// StopOnPermanent (the default): a permanent diagnosis (a permission,
	// a key, the credentials) stops the set: the files in flight are
	// cancelled (their uploads kept), no more start. Every other file
	// would fail alike.
	StopOnPermanent FailurePolicy = iota
	// Continue goes on with the other files whatever fails.
	Continue
)

// File names one file of a set, for its listener.
type File struct {
	Entry Entry
	Key   string
}

// Options configure Run. Zero values take the defaults.
type Options struct {
	// Root is the directory to upload; Bucket and Prefix where: each file
	// goes to Prefix + its path relative to Root. Prefix is "" or ends in
	// '/'. Root should be absolute: a file's path names its resume journal.
	//
	// Root may also be a file: a set of one, uploaded to Prefix as its
	// whole key (what `uploader cp FILE s3://B/KEY` runs), with the same
	// scheduling, skip rule and classes as a directory's files.
	Root           string
	Bucket, Prefix string
	Walk           WalkOptions
	// Input is what every file's upload shares (encryption, headers,
	// storage class); Bucket, Key, Body, Size, SourcePath, Stop and
	// Listener are set per file.
	Input upload.Input
	// ContentType, when set, gives a file's Content-Type from its key.
	ContentType func(key string) string
	// Files is how many files are in their turn at once (0 =
	// upload.DefaultConcurrency); their parts share the Uploader's budget.
	Files int
	// Skip decides which files are already uploaded; SkipSync and
	// SkipContent need Lister (and SkipContent Head).
	Skip   SkipMode
	Lister ListAPI
	Head   HeadAPI
	// Checksum is the Uploader's algorithm, which SkipContent compares
	// ("" compares none). Journals is the Uploader's journal folder: a
	// file with a journal goes to the engine, never skipped.
	Checksum upload.ChecksumAlgorithm
	Journals *upload.Journals
	// FailurePolicy: StopOnPermanent by default.
	FailurePolicy FailurePolicy
	// Stop, when closed, starts no more files and stops the ones in flight
	// from starting parts (the parts in flight finish; kept uploads
	// resume). Cancel ctx to stop at once.
	Stop <-chan struct{}
	// Listener, when set, gives each file's upload its listener (events
	// then say which object they belong to); nil uses the Uploader's.
	Listener func(File) upload.Listener
	// OnResult, when set, receives each file's result as it ends, one call
	// at a time, in the order they end.
	OnResult func(FileResult)
	// OnUnreadableDir, when set, hears of each directory the walk could
	// not read (Entry.Rel names it, Entry.Err says why), called as
	// OnResult is. Its files are in no result; Summary.UnreadableDirs
	// counts it and makes the set's exit 1.
	OnUnreadableDir func(Entry)
	// Principal (the caller's ARN, when known) is named in diagnoses the
	// set makes itself (a denied listing or HeadObject).
	Principal string
}

// errSetStopped is the cause the set's context is cancelled with when a
// permanent failure stops it: not the diagnosis itself, since the engine
// reports the cause of a cancelled upload as that upload's own.
var errSetStopped = errors.New("the set stopped: another file failed for good")

// ErrNoLister is Run's error for a skip mode without Options.Lister (or
// SkipContent without Head).
var ErrNoLister = errors.New("tree: skipping needs Options.Lister (and Head for SkipContent)")

// Run uploads the tree through u and returns the summary. Its error is
// for the set as a whole before any file: a root that cannot be walked
// (*SourceError) or bad options. Everything after is in the Summary and
// the results (a failed listing in Summary.Err).
func Run(ctx context.Context, u *upload.Uploader, o Options) (Summary, error) {
	if o.Skip != SkipNone && (o.Lister == nil || o.Skip == SkipContent && o.Head == nil) {
		return Summary{}, ErrNoLister
	}
	var w entries
	if fi, err := os.Stat(o.Root); err == nil && !fi.IsDir() {
		w = one(o.Root, fi)
	} else if w, err = Walk(o.Root, o.Walk); err != nil {
		return Summary{}, err
	}
	if o.Files <= 0 {
		o.Files = upload.DefaultConcurrency
	}
	r := &runner{o: o, u: u, jobs: make(chan job), halt: make(chan struct{})}
	r.ctx, r.cancel = context.WithCancelCause(ctx)
	defer r.cancel(nil)
	if o.Skip != SkipNone {
		r.list = newListing(o.Lister, o.Bucket, o.Prefix)
	}
	var wg sync.WaitGroup
	for range o.Files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range r.jobs {
				r.done(r.one(j))
			}
		}()
	}
	r.produce(w)
	close(r.jobs)
	wg.Wait()
	return r.sum, nil
}

type runner struct {
	o      Options
	u      *upload.Uploader
	ctx    context.Context
	cancel context.CancelCauseFunc
	list   *listing
	jobs   chan job

	mu      sync.Mutex // orders results
	sum     Summary
	stopped bool
	halt    chan struct{} // closed when no more files may start
}

// job is a file to send, and whether SkipContent must compare it first.
type job struct {
	res  FileResult
	head bool
}

// entries is what Run reads: a Walker, or a set of one.
type entries interface{ Next() (Entry, bool) }

// single is a set of one file, yielded once.
type single struct {
	e    Entry
	done bool
}

func (s *single) Next() (Entry, bool) {
	if s.done {
		return Entry{}, false
	}
	s.done = true
	return s.e, true
}

// one is the set of one file at path (its Rel is "": its key is the
// prefix).
func one(path string, fi fs.FileInfo) *single {
	e := Entry{Path: path, Kind: Regular, Size: fi.Size(), ModTime: fi.ModTime()}
	if !fi.Mode().IsRegular() {
		e.Kind, e.Mode, e.Err = Special, fi.Mode().Type(), fmt.Errorf("%s, not a regular file", walk.TypeName(fi.Mode()))
	}
	return &single{e: e}
}

// produce walks the tree, decides what it can without a request (and the
// sync rule from the listing), and hands files to the workers, in key
// order. After the set stops it walks on, so every file is counted.
func (r *runner) produce(w entries) {
	for e, ok := w.Next(); ok; e, ok = w.Next() {
		fr := FileResult{Entry: e, Key: r.o.Prefix + e.Rel}
		switch e.Kind {
		case Special:
			fr.Class, fr.Reason, fr.Why = Skipped, NotRegular, e.Err.Error()
			r.done(fr)
			continue
		case Loop:
			fr.Class, fr.Reason, fr.Why = Skipped, SymlinkLoop, e.Err.Error()
			r.done(fr)
			continue
		case Broken:
			fr.Class, fr.Err = Failed, fmt.Errorf("%s: %w", e.Path, e.Err)
			r.done(fr)
			continue
		case UnreadableDir:
			r.unreadable(e)
			continue
		}
		if err := CheckKey(fr.Key); err != nil {
			fr.Class, fr.Err = Failed, fmt.Errorf("%s: %w", e.Path, err)
			r.done(fr)
			continue
		}
		if r.halted() {
			fr.Class = NotStarted
			r.done(fr)
			continue
		}
		j := job{res: fr}
		if r.list != nil && !r.journaled(fr) {
			skip, head, err := r.decide(&fr)
			switch {
			case err != nil:
				if upload.Classify(err) != upload.Interrupted {
					r.setFailed(err) // a listing cut short by the caller is no failure of the set
				}
				fr.Class = NotStarted
				r.done(fr)
				continue
			case skip:
				r.done(fr)
				continue
			}
			j.head = head
		}
		select {
		case r.jobs <- j:
		case <-r.ctx.Done():
			fr.Class = NotStarted
			r.done(fr)
		case <-r.halt:
			fr.Class = NotStarted
			r.done(fr)
		case <-r.o.Stop:
			fr.Class = NotStarted
			r.done(fr)
		}
	}
}

// journaled reports a kept upload of the file: the engine resumes it, or
// recognises it as completed and removes its journal.
func (r *runner) journaled(fr FileResult) bool {
	return r.o.Journals != nil && r.o.Journals.Has(fr.Entry.Path, r.o.Bucket, fr.Key)
}

// decide merges the file with the listing: skip (fr filled), send, or
// (SkipContent, same size) compare by HEAD first.
func (r *runner) decide(fr *FileResult) (skip, head bool, err error) {
	obj, err := r.list.Find(r.ctx, fr.Key)
	if err != nil {
		return false, false, listFailure(err, r.o.Bucket, r.o.Prefix, r.o.Principal)
	}
	if obj == nil {
		return false, false, nil
	}
	if r.o.Skip == SkipContent {
		return false, obj.Size == fr.Entry.Size, nil
	}
	if ok, why := SyncRule(*obj, fr.Entry.Size, fr.Entry.ModTime); ok {
		fr.Class, fr.Reason, fr.Why = Skipped, Exists, why
		return true, false, nil
	}
	return false, false, nil
}

// one sends one file, with the guarantees of a single upload: the engine
// journals it by its path (resume), checksums every part and the object,
// checks the stored encryption and explains failures.
func (r *runner) one(j job) (fr FileResult) {
	fr = j.res
	if r.halted() {
		fr.Class = NotStarted
		return fr
	}
	began := time.Now()
	defer func() { fr.Duration = time.Since(began) }()
	f, fi, err := walk.Open(fr.Entry.Path)
	if err != nil {
		return r.failed(fr, openFailure(fr.Entry.Path, err))
	}
	defer f.Close()
	if j.head {
		skip, why, err := r.compare(fr, f, fi)
		switch {
		case err != nil:
			return r.failed(fr, err)
		case skip:
			fr.Class, fr.Reason, fr.Why = Skipped, Exists, why
			return fr
		}
		if r.halted() {
			// The set stopped while this file was compared.
			fr.Class = NotStarted
			return fr
		}
	}
	in := r.o.Input
	in.Bucket, in.Key = r.o.Bucket, fr.Key
	in.Body, in.Size, in.SourcePath = f, fi.Size(), fr.Entry.Path
	if r.o.ContentType != nil {
		in.ContentType = r.o.ContentType(fr.Key)
	}
	in.Stop = r.o.Stop
	if r.o.Listener != nil {
		in.Listener = r.o.Listener(File{Entry: fr.Entry, Key: fr.Key})
	}
	res, err := r.u.Upload(r.ctx, in)
	fr.Upload = res
	if err != nil {
		return r.failed(fr, err)
	}
	fr.Class = OK
	return fr
}

// compare is SkipContent's HEAD, and the file's checksum when S3 reports
// a comparable one.
func (r *runner) compare(fr FileResult, f *os.File, fi fs.FileInfo) (bool, string, error) {
	obj, err := headStored(r.ctx, r.o.Head, r.o.Bucket, fr.Key, r.o.Checksum)
	if err != nil {
		return false, "", headFailure(err, r.o.Bucket, fr.Key, r.o.Principal)
	}
	if obj == nil {
		return false, "", nil
	}
	sum := func() (string, error) {
		b, err := checksum.SumAt(r.o.Checksum, checksum.WithContext(r.ctx, f), 0, fi.Size(), make([]byte, checksum.ReadBufferSize))
		if err != nil {
			return "", fmt.Errorf("reading %s for its checksum: %w", fr.Entry.Path, err)
		}
		return checksum.Encode(b), nil
	}
	return ContentRule(*obj, r.o.Input.SSE, r.o.Checksum, fi.Size(), fi.ModTime(), sum)
}

// failed classifies a file's failure; a permanent one stops the set
// (StopOnPermanent).
func (r *runner) failed(fr FileResult, err error) FileResult {
	fr.Err = err
	switch upload.Classify(err) {
	case upload.Interrupted:
		fr.Class = Interrupted
		if errors.Is(context.Cause(r.ctx), errSetStopped) {
			fr.Class = Cancelled
		}
	case upload.Permanent:
		fr.Class = FailedPermanent
		if r.o.FailurePolicy == StopOnPermanent {
			r.stop(fr)
		}
	case upload.Transient:
		fr.Class = FailedTransient
	default:
		fr.Class = Failed
	}
	return fr
}

// stop stops the set at fr's permanent failure: the files in flight are
// cancelled (their uploads kept for a rerun) and no more start.
func (r *runner) stop(fr FileResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return
	}
	r.stopped = true
	r.sum.Stopper = &fr
	close(r.halt)
	r.cancel(errSetStopped)
}

// setFailed records a failure of the set itself (the listing) and starts
// no more files (what is not listed cannot be decided); the files in
// flight finish.
func (r *runner) setFailed(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sum.Err == nil {
		r.sum.Err = err
	}
	if !r.stopped {
		r.stopped = true
		close(r.halt)
	}
}

// halted reports that no more files may start.
func (r *runner) halted() bool {
	select {
	case <-r.o.Stop:
		return true
	case <-r.halt:
		return true
	case <-r.ctx.Done():
		return true
	default:
		return false
	}
}

// done counts and reports one result.
func (r *runner) done(fr FileResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sum.add(fr)
	if r.o.OnResult != nil {
		r.o.OnResult(fr)
	}
}

func (r *runner) unreadable(e Entry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sum.UnreadableDirs++
	if r.o.OnUnreadableDir != nil {
		r.o.OnUnreadableDir(e)
	}
}

// openFailure says why a file listed by the walk cannot be opened now.
func openFailure(path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s does not exist any more (it was removed after the directory was listed): %w", path, err)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%s is not readable: check its permissions: %w", path, err)
	}
	return err
}
