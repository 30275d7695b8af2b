// Package outside uses the uploader library as a program outside its module
// does: only the exported packages upload and preflight, SDK clients built
// from an aws.Config, and the local AWS stack started through the
// teststack command. Its tests are the proof that the package docs and the
// docs/library.md (and README's "As a library") work from outside; it has no other code.
package outside
