package netline

import "testing"

func TestLine(t *testing.T) {
	tests := []struct {
		name              string
		endpoint, service string
		tls, stalled      bool
		cause, want       string
	}{
		{"refused", "http://127.0.0.1:1", "S3", false, false, "connection refused", "cannot reach http://127.0.0.1:1 (S3): connection refused"},
		{"no endpoint, no service", "", "", false, false, "no answer", "cannot reach the endpoint: no answer"},
		{"tls", "https://s3.local", "S3", true, false, "certificate signed by unknown authority", "cannot trust the TLS certificate of https://s3.local (S3): certificate signed by unknown authority"},
		{"stalled", "https://s3.local", "KMS", false, true, "stalled: no byte for 30s", "the connection to https://s3.local (KMS) stalled: no byte for 30s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Line(tt.endpoint, tt.service, tt.tls, tt.stalled, tt.cause); got != tt.want {
				t.Fatalf("Line = %q, want %q", got, tt.want)
			}
		})
	}
}
