// Package netline says in one line why a request got no answer. The
// exported diagnosis package (for a Diagnosis made by hand) and
// internal/diagnose (for one it explains) both say it, and must say it the
// same way.
package netline

// Line is the one-line cause: "cannot reach http://127.0.0.1:1 (S3):
// connection refused", "cannot trust the TLS certificate of ...: ...", or,
// for a connection that stopped moving, "the connection to ... stalled:
// ...". An empty endpoint reads "the endpoint"; service may be empty.
func Line(endpoint, service string, tls, stalled bool, cause string) string {
	where := endpoint
	if where == "" {
		where = "the endpoint"
	}
	if service != "" {
		where += " (" + service + ")"
	}
	switch {
	case tls:
		return "cannot trust the TLS certificate of " + where + ": " + cause
	case stalled:
		return "the connection to " + where + " " + cause
	}
	return "cannot reach " + where + ": " + cause
}
