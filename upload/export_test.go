package upload

// Transmit lets the examples' in-memory S3 send a body as the SDK would:
// the per-request options and the middleware they install run.
var Transmit = transmit
