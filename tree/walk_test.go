package tree

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Walk streams in S3's order; Count totals without holding the tree and
// counts what cannot be uploaded apart; CheckKey refuses what S3 refuses.
func TestWalkCount(t *testing.T) {
	dir := files(t, time.Now(), "a/x", "a-b", "a.txt", "big/"+strings.Repeat("y", 20), "a0")
	w, err := Walk(dir, WalkOptions{Rules: []Rule{Exclude("a0")}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for e, ok := w.Next(); ok; e, ok = w.Next() {
		got = append(got, e.Rel)
	}
	if strings.Join(got, " ") != "a-b a.txt a/x big/"+strings.Repeat("y", 20) {
		t.Errorf("order %v", got)
	}
	tot, err := Count(dir, "p/", WalkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if tot.Files != 5 || tot.Other != 0 || tot.Largest.Rel != "big/"+strings.Repeat("y", 20) || tot.Bytes != int64(len("a/x")+3+5+24+2) {
		t.Errorf("totals %+v", tot)
	}
	// Files whose keys S3 refuses are files still (each fails on its own,
	// counted as the summary counts it), but none is the preflight's.
	if tot, _ := Count(dir, strings.Repeat("k", 1023), WalkOptions{}); tot.Files != 5 || tot.Other != 0 || tot.Largest.Rel != "" {
		t.Errorf("keys over 1024 bytes: %+v", tot)
	}
	var se *SourceError
	if _, err := Walk(filepath.Join(dir, "missing"), WalkOptions{}); !errors.As(err, &se) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing root: %v", err)
	}
	if CheckKey("ok/\xff") == nil || CheckKey("ok") != nil {
		t.Error("CheckKey")
	}
}
