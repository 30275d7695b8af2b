package preflight

import (
	"github.com/uploader-dev/uploader/internal/diagnose"
)

// noAnswer reports whether err is a call that got no answer at all (the
// endpoint unreachable, its certificate untrusted) and remembers it for
// the service, so later calls to it are not sent: each would wait out
// the same retries for nothing.
func (r *run) noAnswer(op string, err error) (*diagnose.Diagnosis, bool) {
	d := diagnose.Classify(err, diagnose.Context{Operation: op})
	if d == nil || (d.Code != diagnose.EndpointUnreachable && d.Code != diagnose.TLSUntrusted && d.Code != diagnose.EndpointStalled) {
		return nil, false
	}
	r.netFailed.Store(true)
	if d.Endpoint != "" {
		r.mu.Lock()
		if r.deadEndpoints == nil {
			r.deadEndpoints = map[string]bool{}
		}
		r.deadEndpoints[d.Endpoint] = true
		r.mu.Unlock()
	}
	if d.Service != "" && r.down[d.Service] == nil {
		r.down[d.Service] = d
	}
	return d, true
}

// downSkip is the SKIP detail of a call not sent because its service
// could not be reached before.
func (r *run) downSkip(service string) (string, bool) {
	d := r.down[service]
	if d == nil {
		return "", false
	}
	return "not checked: " + netLine(d), true
}

// noAnswerCheck is the row of a check whose call got no answer: SKIP
// with the code (the cause says nothing about permissions), except an
// untrusted S3 certificate, which the upload's own requests would meet:
// a FAIL with the remedy.
func noAnswerCheck(name string, d *diagnose.Diagnosis) Check {
	c := Check{Name: name, Status: Skip, Code: d.Code, Detail: "not checked: " + netLine(d)}
	if d.Code == diagnose.TLSUntrusted && d.Service == "S3" {
		c.Status, c.Detail, c.Remedy, c.Rerun = Fail, netLine(d), d.Remedy, d.Rerun
	}
	return c
}
