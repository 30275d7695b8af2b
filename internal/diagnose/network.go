package diagnose

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/uploader-dev/uploader/internal/netline"
)

// netFailure is a request that never got an answer because the endpoint
// could not be reached (DNS, refused, connect timeout, no route) or its
// TLS certificate was not trusted.
type netFailure struct {
	endpoint string // scheme://host[:port] the request went to; "" if unknown
	cause    string // "connection refused", "no such host example.invalid", ...
	tls      bool   // the certificate, not the network
	tlsKind  tlsKind
	// stalled: a connection was made, then moved no byte for the stall
	// window (told apart from an endpoint never reached).
	stalled bool
}

// stallError is internal/netpolicy's StallError, matched by behaviour
// (netpolicy imports this package).
type stallError interface {
	error
	Stalled() bool
}

// windowError is internal/netpolicy's WindowError: the network failed
// for the whole retry window.
type windowError interface {
	error
	WindowAttempts() (int, time.Duration)
}

type tlsKind int

const (
	tlsUnknownAuthority tlsKind = iota // signed by a CA this machine does not trust
	tlsWrongHost                       // valid, but for other names
	tlsExpired                         // expired or not yet valid
	tlsOther
)

// networkFailure recognises, in the SDK's chain, the failures that happen
// before any answer: these are what the error text would otherwise bury
// under "https response error StatusCode: 0, RequestID: , request send
// failed".
func networkFailure(err error) (netFailure, bool) {
	nf := netFailure{endpoint: endpointOf(err)}
	var se stallError
	if errors.As(err, &se) {
		nf.stalled, nf.cause = se.Stalled(), stallCause(se)
		return nf, true
	}
	if kind, why, ok := certificateFailure(err); ok {
		nf.tls, nf.tlsKind, nf.cause = true, kind, why
		return nf, true
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		switch {
		case dns.IsNotFound:
			nf.cause = "no such host " + dns.Name
		case dns.IsTimeout:
			nf.cause = "DNS lookup of " + dns.Name + " timed out"
		default:
			nf.cause = "DNS lookup of " + dns.Name + " failed: " + dns.Err
		}
		return nf, true
	}
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "dial" {
		// After a whole retry window of resets the endpoint is as good as
		// unreachable: say so, with the last cause.
		var we windowError
		if errors.As(err, &we) {
			nf.cause = lastCause(err)
			return nf, true
		}
		return netFailure{}, false
	}
	switch {
	case errors.Is(op.Err, syscall.ECONNREFUSED):
		nf.cause = "connection refused"
	case errors.Is(op.Err, syscall.ENETUNREACH):
		nf.cause = "network unreachable"
	case errors.Is(op.Err, syscall.EHOSTUNREACH):
		nf.cause = "no route to host"
	case op.Timeout():
		nf.cause = "connection timed out"
	default:
		nf.cause = op.Err.Error()
	}
	return nf, true
}

// certificateFailure finds a certificate verification error. Go wraps
// them in *tls.CertificateVerificationError since 1.20; the x509 types are
// matched too, for transports that return them bare.
func certificateFailure(err error) (tlsKind, string, bool) {
	var ua x509.UnknownAuthorityError
	var host x509.HostnameError
	var inv x509.CertificateInvalidError
	var sys x509.SystemRootsError
	var cv *tls.CertificateVerificationError
	switch {
	case errors.As(err, &ua):
		return tlsUnknownAuthority, ua.Error(), true
	case errors.As(err, &host):
		return tlsWrongHost, host.Error(), true
	case errors.As(err, &inv) && inv.Reason == x509.Expired:
		return tlsExpired, inv.Error(), true
	case errors.As(err, &inv):
		return tlsOther, inv.Error(), true
	case errors.As(err, &sys):
		return tlsUnknownAuthority, sys.Error(), true
	case errors.As(err, &cv):
		return tlsOther, cv.Error(), true
	}
	return 0, "", false
}

// endpointOf is scheme://host of the request that failed, from the
// transport's *url.Error.
func endpointOf(err error) string {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return ""
	}
	u, perr := url.Parse(ue.URL)
	if perr != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// stallCause is the stall without the endpoint, which the line names:
// "no byte moved for 30s while sending the request".
func stallCause(se stallError) string {
	msg := se.Error()
	if i := strings.Index(msg, " stalled: "); i >= 0 {
		return "stalled: " + msg[i+len(" stalled: "):]
	}
	return msg
}

// lastCause is the innermost error's text, e.g. "connection reset by peer".
func lastCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

// attempts is how many times the SDK sent the request, 0 if it did not
// say, and the retry window that ran out (0 if none did).
func attempts(err error) (int, time.Duration) {
	var we windowError
	if errors.As(err, &we) {
		return we.WindowAttempts()
	}
	var ma *retry.MaxAttemptsError
	if errors.As(err, &ma) {
		return ma.Attempt, 0
	}
	return 0, 0
}

// line is the one-line cause: "cannot reach http://127.0.0.1:1 (S3):
// connection refused" (netline, which the diagnosis package shares).
func (nf netFailure) line(service string) string {
	return netline.Line(nf.endpoint, service, nf.tls, nf.stalled, nf.cause)
}

func explainUnreachable(d *Diagnosis, f facts, nf netFailure) bool {
	d.Code = EndpointUnreachable
	d.Endpoint, d.Service, d.Cause = nf.endpoint, f.service, nf.cause
	tries := ""
	n, window := attempts(d.Err)
	switch {
	case n > 1 && window > 0:
		tries = fmt.Sprintf(" (%d attempts over the %s retry window)", n, window)
	case n > 1:
		tries = fmt.Sprintf(" (%d attempts)", n)
	}
	d.What = fmt.Sprintf("%s got no answer: %s%s.", where(d), nf.line(f.service), tries)
	switch {
	case nf.stalled:
		d.Code = EndpointStalled
		d.What = fmt.Sprintf("%s was cut off: %s%s.", where(d), nf.line(f.service), tries)
		d.Why = "The connection was made, then stopped moving: the server or something in between (a proxy, a firewall, a saturated or failing link) stopped reading or answering. Each stalled request was cancelled and sent again on a new connection, until the retry window closed."
		d.Why += " Nothing was proved or refused: this is not a permission problem."
		d.Remedy = "Check the network path to the endpoint (proxies, VPN, firewall, link quality); a kept upload resumes. The stall timeout and the retry window (upload.Options.StallTimeout, RetryWindow) set how long a silence, and an outage, are waited out."
		d.Rerun = true
		return true
	case strings.HasPrefix(nf.cause, "no connection within"):
		d.Why = "No connection could be made to the endpoint within the stall window: a firewall that drops packets, a proxy (HTTPS_PROXY, NO_PROXY), or a network that is down."
	case strings.HasPrefix(nf.cause, "no such host"):
		d.Why = "The endpoint's host name does not resolve: a typo in the endpoint URL or the region, or a name only a VPN or another network knows."
	case strings.Contains(nf.cause, "refused"):
		d.Why = "Nothing accepts connections at that address and port: the endpoint URL is wrong, or the server behind it is down."
	case strings.Contains(nf.cause, "timed out"):
		d.Why = "The endpoint did not answer in time: a firewall, a proxy (HTTPS_PROXY, NO_PROXY), or the network in between."
	default:
		d.Why = "The network between this machine and the endpoint failed."
	}
	d.Why += " Nothing was proved or refused: this is not a permission problem."
	d.Remedy = "Check the endpoint (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3 / _KMS / _STS, the profile's endpoint_url and region, or the client's own endpoint) and the network."
	d.Rerun = true
	return true
}

func explainUntrusted(d *Diagnosis, f facts, nf netFailure) bool {
	d.Code = TLSUntrusted
	d.Endpoint, d.Service, d.Cause = nf.endpoint, f.service, nf.cause
	d.What = fmt.Sprintf("%s was not sent: %s.", where(d), nf.line(f.service))
	switch nf.tlsKind {
	case tlsWrongHost:
		d.Why = "The certificate is valid but names other hosts than the one in the endpoint URL."
		d.Remedy = "Use the host name the certificate is for in the endpoint URL (AWS_ENDPOINT_URL, the profile's endpoint_url, or the client's own endpoint); a CA bundle does not help with a name mismatch."
		d.Rerun = true
		return true
	case tlsExpired:
		d.Why = "The certificate has expired or is not valid yet (or this machine's clock is wrong)."
		d.Remedy = "Have the endpoint's certificate renewed, or set this machine's clock right."
		d.Rerun = true
		return true
	}
	d.Why = "The endpoint's certificate is not signed by a certificate authority this machine trusts: a private CA, a TLS-inspecting proxy, or a self-signed server."
	d.Remedy = "Trust the CA certificate (PEM) that signed it: AWS_CA_BUNDLE, ca_bundle in the profile, or the HTTP client's root CAs."
	d.Rerun = true
	return true
}
