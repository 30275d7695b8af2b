package upload

// Listener receives the engine's progress. Calls come from many goroutines
// at once; implementations must be safe for concurrent use and quick (they
// run on the upload's hot path). Embed NopListener to implement only what
// you need.
type Listener interface {
	// Started is called once the plan is made and, for multipart, once the
	// upload id is known.
	Started(StartInfo)
	// BytesSent reports n more bytes of the source sent to S3 for the first
	// time: bytes of a retried or rewound request are not reported again,
	// so the sum never exceeds the source size.
	BytesSent(n int64)
	// PartDone is called when S3 acknowledged a part.
	PartDone(PartInfo)
	// Retrying is called when a request is sent again after a transient
	// failure (the SDK's retryer decides and waits; this only reports).
	Retrying(RetryInfo)
}

// RetryInfo describes a retried request.
type RetryInfo struct {
	Part    int32  // part number; 0 for a single PutObject
	Attempt int    // 2 for the first retry
	Reason  string // why the previous attempt failed, e.g. "503 Service Unavailable"
}

// StartInfo describes an upload about to send data.
type StartInfo struct {
	Bucket, Key string
	Size        int64 // -1 for a stream of unknown size
	Plan        Plan
	Concurrency int
	UploadID    string // "" for a single PutObject
	// Resumed is the bytes an earlier run already uploaded; they will not
	// be reported by BytesSent.
	Resumed int64
}

// PartInfo describes an acknowledged part.
type PartInfo struct {
	Number int32
	Size   int64
	ETag   string
}

// NopListener ignores every event.
type NopListener struct{}

func (NopListener) Started(StartInfo)  {}
func (NopListener) BytesSent(int64)    {}
func (NopListener) PartDone(PartInfo)  {}
func (NopListener) Retrying(RetryInfo) {}
