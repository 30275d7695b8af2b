package awsconfig

import (
	"fmt"
	"io"

	"github.com/aws/smithy-go/logging"
)

// sdkLogger takes the SDK's own log lines, such as the WARN "failed to
// discard remaining HTTP response body" after a connection drops mid-answer.
// They are not the user's business (the request is retried or explained),
// so they reach --debug's stream, marked as the SDK's, or nowhere; the
// SDK's default logger would print them on stderr between our lines.
type sdkLogger struct{ w io.Writer }

func (l sdkLogger) Logf(c logging.Classification, format string, v ...any) {
	if l.w == nil {
		return
	}
	fmt.Fprintf(l.w, "debug: sdk %s: %s\n", c, fmt.Sprintf(format, v...))
}
