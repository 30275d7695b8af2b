package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/internal/teststack"
)

// This file holds the --json schema as code: docs/json-events.md in Go.
// Every line cp --json prints is checked against it field by field; a field
// the document does not list is an error too, so the document cannot fall
// behind the output.

// jsonType is a JSON value's type as the schema names it.
type jsonType string

const (
	jString jsonType = "string"
	jInt    jsonType = "integer"
	jNumber jsonType = "number"
	jBool   jsonType = "boolean"
	jObject jsonType = "object"
	jArray  jsonType = "array"
)

// jsonField is one documented field.
type jsonField struct {
	typ      jsonType
	required bool
	enum     []string   // allowed values of a string, when set
	min      *float64   // least value of a number, when set
	fields   jsonSchema // an object's fields
	items    *jsonField // an array's elements
	nonEmpty bool       // a string must not be ""
}

// jsonSchema is an object's documented fields by name.
type jsonSchema map[string]jsonField

func ge(v float64) *float64 { return &v }

func req(t jsonType) jsonField { return jsonField{typ: t, required: true} }
func opt(t jsonType) jsonField { return jsonField{typ: t} }

var (
	diagnosisSchema = jsonSchema{
		"code":       {typ: jString, required: true, nonEmpty: true},
		"operation":  opt(jString),
		"part":       {typ: jInt, min: ge(1)},
		"parts":      {typ: jInt, min: ge(1)},
		"principal":  opt(jString),
		"key":        opt(jString),
		"upload_id":  opt(jString),
		"request_id": opt(jString),
		"message":    {typ: jString, required: true, nonEmpty: true},
		"remedy":     opt(jString),
	}
	checkSchema = jsonSchema{
		"name":      {typ: jString, required: true, nonEmpty: true},
		"status":    {typ: jString, required: true, enum: []string{"PASS", "WARN", "FAIL", "SKIP"}},
		"code":      opt(jString),
		"detail":    req(jString),
		"remedy":    opt(jString),
		"operation": opt(jString),
	}
	reportSchema = jsonSchema{
		"checks":        {typ: jArray, required: true, items: &jsonField{typ: jObject, fields: checkSchema}},
		"verdict":       {typ: jString, required: true, enum: []string{"PASS", "WARN", "FAIL", "INCONCLUSIVE"}},
		"reason":        opt(jString),
		"reason_code":   opt(jString),
		"principal":     opt(jString),
		"bucket_region": opt(jString),
		"key":           opt(jString),
		"bucket_key":    req(jBool),
		"hint":          opt(jString),
		"requests":      {typ: jInt, required: true, min: ge(0)},
	}

	// eventSchemas are the event kinds and their fields; no other kind may
	// appear.
	eventSchemas = map[string]jsonSchema{
		"start": {
			"event":         req(jString),
			"source":        {typ: jString, required: true, nonEmpty: true},
			"target":        {typ: jString, required: true, nonEmpty: true},
			"size":          {typ: jInt, required: true, min: ge(-1)},
			"multipart":     req(jBool),
			"part_size":     {typ: jInt, min: ge(float64(5 * size.MiB))},
			"parts":         {typ: jInt, min: ge(1)},
			"concurrency":   {typ: jInt, required: true, min: ge(1)},
			"upload_id":     opt(jString),
			"resumed_bytes": {typ: jInt, required: true, min: ge(0)},
		},
		"preflight": {
			"event":  req(jString),
			"report": {typ: jObject, required: true, fields: reportSchema},
		},
		"progress": {
			"event": req(jString),
			// One file's progress names it; a set's is over every file.
			"source": {typ: jString, nonEmpty: true},
			"target": {typ: jString, nonEmpty: true},
			"bytes":  {typ: jInt, required: true, min: ge(0)},
			"rate":   {typ: jNumber, required: true, min: ge(0)},
			// A set's (cp --recursive) progress only; checkSetSequence
			// requires them there.
			"files_done":  {typ: jInt, min: ge(0)},
			"files_total": {typ: jInt, min: ge(0)},
			"total_bytes": {typ: jInt, min: ge(0)},
		},
		"retry": {
			"event":   req(jString),
			"source":  {typ: jString, required: true, nonEmpty: true},
			"target":  {typ: jString, required: true, nonEmpty: true},
			"part":    {typ: jInt, required: true, min: ge(0)},
			"attempt": {typ: jInt, required: true, min: ge(2)},
			"reason":  {typ: jString, required: true, nonEmpty: true},
		},
		"network_wait": {
			"event":       req(jString),
			"source":      {typ: jString, required: true, nonEmpty: true},
			"target":      {typ: jString, required: true, nonEmpty: true},
			"operation":   {typ: jString, required: true, nonEmpty: true},
			"part":        {typ: jInt, required: true, min: ge(0)},
			"attempt":     {typ: jInt, required: true, min: ge(1)},
			"reason":      {typ: jString, required: true, nonEmpty: true},
			"stalled":     req(jBool),
			"retry_at":    {typ: jString, required: true, nonEmpty: true},
			"gives_up_at": {typ: jString, required: true, nonEmpty: true},
		},
		"result": {
			"event":              req(jString),
			"status":             {typ: jString, required: true, enum: []string{"ok", "failed", "interrupted", "skipped", "cancelled"}},
			"source":             {typ: jString, required: true, nonEmpty: true},
			"target":             {typ: jString, required: true, nonEmpty: true},
			"bytes":              {typ: jInt, required: true, min: ge(0)},
			"duration_seconds":   {typ: jNumber, required: true, min: ge(0)},
			"etag":               opt(jString),
			"version_id":         opt(jString),
			"upload_id":          opt(jString),
			"sse":                opt(jString),
			"kms_key_id":         opt(jString),
			"checksum":           opt(jString),
			"checksum_algorithm": {typ: jString, enum: []string{"CRC64NVME", "CRC32", "CRC32C", "SHA256", "SHA1"}},
			"checksum_type":      {typ: jString, enum: []string{"FULL_OBJECT", "COMPOSITE"}},
			"checksum_verified":  req(jBool),
			"resumed_bytes":      {typ: jInt, required: true, min: ge(0)},
			"notes":              {typ: jArray, items: &jsonField{typ: jString}},
			"exit_code":          {typ: jInt, required: true, min: ge(0)},
			"error":              opt(jString),
			"diagnosis":          {typ: jObject, fields: diagnosisSchema},
			"upload_kept":        opt(jBool),
			"upload_aborted":     opt(jBool),
			"reason":             {typ: jString, enum: []string{"exists", "special", "symlink_loop"}},
		},
		"summary": {
			"event":             req(jString),
			"source":            {typ: jString, required: true, nonEmpty: true},
			"target":            {typ: jString, required: true, nonEmpty: true},
			"files_total":       {typ: jInt, required: true, min: ge(0)},
			"files_ok":          {typ: jInt, required: true, min: ge(0)},
			"files_failed":      {typ: jInt, required: true, min: ge(0)},
			"files_skipped":     {typ: jInt, required: true, min: ge(0)},
			"files_not_started": {typ: jInt, required: true, min: ge(0)},
			"bytes":             {typ: jInt, required: true, min: ge(0)},
			"duration_seconds":  {typ: jNumber, required: true, min: ge(0)},
			"exit_code":         {typ: jInt, required: true, min: ge(0)},
			"error":             opt(jString),
			"diagnosis":         {typ: jObject, fields: diagnosisSchema},
			"skip_rule":         {typ: jString, enum: []string{"sync", "content"}},
			"dirs_unreadable":   {typ: jInt, min: ge(1)},
		},
	}
)

// checkValue checks v (decoded with UseNumber) against f; problems are
// appended with their path.
func (f jsonField) checkValue(path string, v any, errs *[]string) {
	bad := func(format string, args ...any) { *errs = append(*errs, path+": "+fmt.Sprintf(format, args...)) }
	switch f.typ {
	case jString:
		s, ok := v.(string)
		if !ok {
			bad("want a string, got %T %v", v, v)
			return
		}
		if f.nonEmpty && s == "" {
			bad("empty string")
		}
		if f.enum != nil && !slices.Contains(f.enum, s) {
			bad("%q is not one of %v", s, f.enum)
		}
	case jInt, jNumber:
		n, ok := v.(json.Number)
		if !ok {
			bad("want a %s, got %T %v", f.typ, v, v)
			return
		}
		x, err := n.Float64()
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			bad("not a finite number: %s", n)
			return
		}
		if f.typ == jInt {
			if strings.ContainsAny(n.String(), ".eE") {
				bad("want an integer, got %s", n)
				return
			}
		}
		if f.min != nil && x < *f.min {
			bad("%s is below the least value %v", n, *f.min)
		}
	case jBool:
		if _, ok := v.(bool); !ok {
			bad("want a boolean, got %T %v", v, v)
		}
	case jObject:
		m, ok := v.(map[string]any)
		if !ok {
			bad("want an object, got %T %v", v, v)
			return
		}
		f.fields.check(path, m, errs)
	case jArray:
		a, ok := v.([]any)
		if !ok {
			bad("want an array, got %T %v", v, v)
			return
		}
		for i, e := range a {
			f.items.checkValue(fmt.Sprintf("%s[%d]", path, i), e, errs)
		}
	}
}

// check checks an object: every required field present, none undocumented,
// each of its type.
func (s jsonSchema) check(path string, m map[string]any, errs *[]string) {
	names := make([]string, 0, len(s))
	for k := range s {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		f := s[k]
		v, ok := m[k]
		if !ok {
			if f.required {
				*errs = append(*errs, path+"."+k+": required field missing")
			}
			continue
		}
		f.checkValue(path+"."+k, v, errs)
	}
	for k := range m {
		if _, ok := s[k]; !ok {
			*errs = append(*errs, path+"."+k+": field not in docs/json-events.md")
		}
	}
}

// jsonEvent is one validated --json line.
type jsonEvent struct {
	Kind   string
	Fields map[string]any
	Line   string
}

func (e jsonEvent) str(k string) string { s, _ := e.Fields[k].(string); return s }
func (e jsonEvent) boolean(k string) bool {
	b, _ := e.Fields[k].(bool)
	return b
}
func (e jsonEvent) num(k string) float64 {
	n, _ := e.Fields[k].(json.Number)
	x, _ := n.Float64()
	return x
}
func (e jsonEvent) int(k string) int64 {
	n, _ := e.Fields[k].(json.Number)
	x, _ := n.Int64()
	return x
}
func (e jsonEvent) object(k string) map[string]any {
	m, _ := e.Fields[k].(map[string]any)
	return m
}

// eventStream is cp --json's stdout, validated.
type eventStream []jsonEvent

func (s eventStream) kind(k string) []jsonEvent {
	var out []jsonEvent
	for _, e := range s {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

// one returns the only event of kind k, failing if there is not exactly one.
func (s eventStream) one(t *testing.T, k string) jsonEvent {
	t.Helper()
	es := s.kind(k)
	if len(es) != 1 {
		t.Fatalf("%d %q events, want 1", len(es), k)
	}
	return es[0]
}

func (s eventStream) result() jsonEvent { return s[len(s)-1] }

// validateEvents checks a whole --json stdout: only JSON objects, one a
// line, each valid for its kind; the order of kinds; result last and once;
// progress at most once a second. It fails the test on any violation.
func validateEvents(t *testing.T, r cliResult) eventStream {
	t.Helper()
	evs, errs := parseEvents(t, r)
	errs = append(errs, checkSequence(evs)...)
	if len(errs) > 0 {
		t.Fatalf("--json output breaks the documented schema:\n  %s\nstdout:\n%s\nstderr:\n%s", strings.Join(errs, "\n  "), r.Stdout, r.Stderr)
	}
	return evs
}

// parseEvents checks each stdout line on its own: a JSON object of a
// documented kind, with the documented fields.
func parseEvents(t *testing.T, r cliResult) (eventStream, []string) {
	t.Helper()
	out := r.Stdout
	if out == "" {
		t.Fatalf("--json printed nothing on stdout: %s", r)
	}
	if !strings.HasSuffix(out, "\n") {
		t.Errorf("stdout does not end with a newline: %q", tail(out))
	}
	var errs []string
	var evs eventStream
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		where := fmt.Sprintf("line %d", i+1)
		dec := json.NewDecoder(bytes.NewReader([]byte(line)))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			errs = append(errs, fmt.Sprintf("%s is not a JSON object (%v): %q", where, err, line))
			continue
		}
		if dec.More() {
			errs = append(errs, fmt.Sprintf("%s holds more than one JSON value: %q", where, line))
		}
		kind, _ := m["event"].(string)
		s, ok := eventSchemas[kind]
		if !ok {
			errs = append(errs, fmt.Sprintf("%s: unknown event kind %q: %s", where, m["event"], line))
			continue
		}
		s.check(where+" ("+kind+")", m, &errs)
		evs = append(evs, jsonEvent{Kind: kind, Fields: m, Line: line})
	}
	return evs, errs
}

// checkSequence checks what the schema cannot say line by line.
func checkSequence(evs eventStream) []string {
	var errs []string
	if len(evs) == 0 {
		return []string{"no events"}
	}
	// Order: [preflight] [start (progress|retry)*] result.
	var started, ended bool
	var lastBytes int64 = -1
	var size int64 = -1
	for i, e := range evs {
		switch {
		case ended:
			errs = append(errs, fmt.Sprintf("event %d (%s) after the result", i+1, e.Kind))
		case e.Kind == "preflight" && i != 0:
			errs = append(errs, fmt.Sprintf("preflight is event %d, want the first", i+1))
		case e.Kind == "start" && started:
			errs = append(errs, "a second start event")
		case (e.Kind == "progress" || e.Kind == "retry") && !started:
			errs = append(errs, fmt.Sprintf("%s before start", e.Kind))
		}
		errs = append(errs, notSetOnly(e)...)
		switch e.Kind {
		case "start":
			started = true
			size = e.int("size")
			errs = append(errs, checkStart(e)...)
		case "progress":
			b := e.int("bytes")
			if b < lastBytes {
				errs = append(errs, fmt.Sprintf("progress bytes went back from %d to %d", lastBytes, b))
			}
			if size >= 0 && b > size {
				errs = append(errs, fmt.Sprintf("progress bytes %d above the size %d", b, size))
			}
			lastBytes = b
		case "result":
			ended = true
		}
	}
	res := evs[len(evs)-1]
	if res.Kind != "result" {
		return append(errs, fmt.Sprintf("the last event is %q, want result", res.Kind))
	}
	// Every event of the object names it, the same way (issue 15).
	for _, e := range evs {
		if e.Kind == "preflight" {
			continue
		}
		if e.str("source") != res.str("source") || e.str("target") != res.str("target") {
			errs = append(errs, fmt.Sprintf("%s names %s -> %s, the result %s -> %s", e.Kind, e.str("source"), e.str("target"), res.str("source"), res.str("target")))
		}
	}
	if n := len(evs.kind("result")); n != 1 {
		errs = append(errs, fmt.Sprintf("%d result events, want exactly 1", n))
	}
	errs = append(errs, checkResult(res, size)...)
	// At most once a second: n lines need at least n-1 seconds.
	if n, d := len(evs.kind("progress")), res.num("duration_seconds"); n > 0 && float64(n-1) > d {
		errs = append(errs, fmt.Sprintf("%d progress events in %.2f s: more than one a second", n, d))
	}
	return errs
}

// notSetOnly: a single-file cp keeps its contract; what only a set
// (cp --recursive) prints never appears.
func notSetOnly(e jsonEvent) []string {
	var errs []string
	switch e.Kind {
	case "summary":
		errs = append(errs, "a summary event from a single-file cp")
	case "result":
		if _, ok := e.Fields["reason"]; ok {
			errs = append(errs, "a single-file result with reason")
		}
		if st := e.str("status"); st == "skipped" || st == "cancelled" {
			errs = append(errs, "a single-file result with status "+st)
		}
	case "progress":
		for _, k := range []string{"files_done", "files_total", "total_bytes"} {
			if _, ok := e.Fields[k]; ok {
				errs = append(errs, "a single-file progress with "+k)
			}
		}
		for _, k := range []string{"source", "target"} {
			if _, ok := e.Fields[k]; !ok {
				errs = append(errs, "a single-file progress without "+k)
			}
		}
	}
	return errs
}

func checkStart(e jsonEvent) []string {
	var errs []string
	_, hasParts := e.Fields["parts"]
	_, hasPartSize := e.Fields["part_size"]
	if e.boolean("multipart") {
		if !hasPartSize {
			errs = append(errs, "start: multipart without part_size")
		}
		if e.str("upload_id") == "" {
			errs = append(errs, "start: multipart without upload_id")
		}
		if e.int("size") >= 0 && !hasParts {
			errs = append(errs, "start: multipart of a known size without parts")
		}
		if e.int("size") < 0 && hasParts {
			errs = append(errs, "start: parts given for a stream of unknown size")
		}
	} else {
		if hasParts || hasPartSize || e.str("upload_id") != "" {
			errs = append(errs, "start: a single request with part fields or an upload_id")
		}
		if e.int("size") < 0 {
			errs = append(errs, "start: a stream sent as a single request")
		}
	}
	return errs
}

func checkResult(e jsonEvent, size int64) []string {
	var errs []string
	switch e.str("status") {
	case "ok":
		if e.int("exit_code") != 0 {
			errs = append(errs, fmt.Sprintf("result ok with exit_code %d", e.int("exit_code")))
		}
		if e.str("etag") == "" {
			errs = append(errs, "result ok without etag")
		}
		for _, k := range []string{"error", "diagnosis", "upload_kept", "upload_aborted"} {
			if _, ok := e.Fields[k]; ok {
				errs = append(errs, "result ok with "+k)
			}
		}
		if size >= 0 && e.int("bytes") != size {
			errs = append(errs, fmt.Sprintf("result ok with bytes %d, start said size %d", e.int("bytes"), size))
		}
		if e.boolean("checksum_verified") && e.str("checksum") == "" {
			errs = append(errs, "checksum_verified without a checksum")
		}
	case "failed", "interrupted":
		if e.int("exit_code") == 0 {
			errs = append(errs, "a failed result with exit_code 0")
		}
		if e.str("error") == "" {
			errs = append(errs, "a failed result without error")
		}
		if e.boolean("upload_kept") && e.boolean("upload_aborted") {
			errs = append(errs, "upload both kept and aborted")
		}
	}
	return errs
}

func tail(s string) string {
	if len(s) > 200 {
		return s[len(s)-200:]
	}
	return s
}

// abortUploadsOf aborts, as Admin, every unfinished upload of key: what a
// test leaves behind on purpose (a kept upload) is cleaned up.
func abortUploadsOf(t *testing.T, key string) {
	t.Helper()
	for _, id := range uploadsFor(t, key) {
		if r := runCLI(t, stack.Admin, "uploads", "abort", target(key), "--upload-id", id); r.Code != 0 {
			t.Errorf("aborting upload %s of %s: %s", id, key, r)
		}
	}
}

// A success with the preflight: preflight, start, progress, result ok;
// human text on stderr only, and none with --quiet.
func TestJSONEventsSuccess(t *testing.T) {
	src, sum := makeFile(t, 20*size.MiB)
	for _, quiet := range []bool{false, true} {
		t.Run(fmt.Sprintf("quiet=%v", quiet), func(t *testing.T) {
			key := uniqueKey(t, "obj.bin")
			args := []string{"cp", src, target(key), "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--json"}
			if quiet {
				args = append(args, "--quiet")
			}
			r := runCLI(t, stack.Full, args...)
			if r.Code != 0 {
				t.Fatalf("cp failed: %s", r)
			}
			evs := validateEvents(t, r)
			pf := evs.one(t, "preflight")
			if v := pf.object("report")["verdict"]; v == "FAIL" {
				t.Fatalf("preflight verdict %v on a successful upload", v)
			}
			if checks, _ := pf.object("report")["checks"].([]any); len(checks) == 0 {
				t.Fatal("preflight report without checks")
			}
			st := evs.one(t, "start")
			if !st.boolean("multipart") || st.int("size") != 20*size.MiB || st.str("source") != src || st.str("target") != target(key) {
				t.Fatalf("start line %s: want multipart, size %d, source %s, target %s", st.Line, 20*size.MiB, src, target(key))
			}
			if len(evs.kind("progress")) == 0 {
				t.Error("no progress event")
			}
			res := evs.result()
			if res.str("status") != "ok" || res.int("bytes") != 20*size.MiB || res.str("upload_id") != st.str("upload_id") {
				t.Fatalf("result %s", res.Line)
			}
			if res.str("sse") != "aws:kms" || res.str("kms_key_id") != stack.KeyARN || res.str("checksum") == "" {
				t.Fatalf("result without the encryption or checksum: %s", res.Line)
			}
			if got, _ := objectSHA256(t, key); got != sum {
				t.Fatalf("stored SHA-256 %s, source %s", got, sum)
			}
			switch {
			case quiet && r.Stderr != "":
				t.Fatalf("--quiet success wrote to stderr:\n%s", r.Stderr)
			case !quiet && !strings.Contains(r.Stderr, "uploaded"):
				t.Fatalf("human summary missing from stderr:\n%s", r.Stderr)
			}
		})
	}
}

// The seed failure with --json: the result says failed, with the
// diagnosis, and the stream is still valid.
func TestJSONEventsDiagnosedFailure(t *testing.T) {
	src, _ := makeFile(t, 20*size.MiB)
	key := uniqueKey(t, "obj.bin")
	defer abortUploadsOf(t, key)
	r := runCLI(t, stack.NoDecrypt, "cp", src, target(key), "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--no-preflight", "--json")
	if r.Code != 3 {
		t.Fatalf("exit %d, want 3: %s", r.Code, r)
	}
	evs := validateEvents(t, r)
	if len(evs.kind("preflight")) != 0 {
		t.Error("a preflight event with --no-preflight")
	}
	res := evs.result()
	if res.str("status") != "failed" || res.int("exit_code") != 3 {
		t.Fatalf("result %s: want failed with exit_code 3", res.Line)
	}
	d := res.object("diagnosis")
	if d["code"] != "missing_kms_decrypt" || d["operation"] != "UploadPart" || d["key"] != stack.KeyARN || d["principal"] != stack.NoDecrypt.ARN {
		t.Fatalf("diagnosis %v: want missing_kms_decrypt on UploadPart for %s and %s", d, stack.NoDecrypt.ARN, stack.KeyARN)
	}
	st := evs.one(t, "start")
	if res.str("upload_id") == "" || res.str("upload_id") != st.str("upload_id") {
		t.Fatalf("result upload_id %q, start's %q", res.str("upload_id"), st.str("upload_id"))
	}
	if !res.boolean("upload_kept") {
		t.Errorf("result does not say the (journaled) upload was kept: %s", res.Line)
	}
	if objectExists(t, key) {
		t.Fatal("a failed upload left an object")
	}
}

// SlowDown on 30% of parts: retry events name the part, the attempt and
// the reason, and the upload still succeeds.
func TestJSONEventsRetries(t *testing.T) {
	src, sum := makeFile(t, 60*size.MiB)
	key := uniqueKey(t, "obj.bin")
	stack.SetFaults(teststack.Faults{SlowDownRate: 0.3, Seed: 3})
	defer stack.SetFaults(teststack.Faults{})
	defer abortUploadsOf(t, key)
	stack.ResetCounts()
	r := runCLI(t, stack.Full, "cp", src, target(key), "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--no-preflight", "--part-size", "5MiB", "--json")
	stack.SetFaults(teststack.Faults{})
	slowDowns := stack.Counts().OpStatus("UploadPart", 503)
	if r.Code != 0 {
		t.Fatalf("cp failed under 30%% SlowDown: %s", r)
	}
	evs := validateEvents(t, r)
	retries := evs.kind("retry")
	if len(retries) == 0 {
		t.Fatalf("no retry events, though the gate answered SlowDown:\n%s", r.Stdout)
	}
	parts := evs.one(t, "start").int("parts")
	for _, e := range retries {
		if p := e.int("part"); p < 1 || p > parts {
			t.Errorf("retry of part %d, the upload has parts 1..%d: %s", p, parts, e.Line)
		}
		if !strings.Contains(e.str("reason"), "503") {
			t.Errorf("retry reason %q does not say 503 (SlowDown)", e.str("reason"))
		}
	}
	// Every SlowDown is retried once (the upload succeeded), and each
	// retry is reported once.
	if len(retries) != slowDowns {
		t.Errorf("%d retry events for %d SlowDown answers", len(retries), slowDowns)
	}
	t.Logf("%d retry events, first: %s", len(retries), retries[0].Line)
	if got, _ := objectSHA256(t, key); got != sum {
		t.Fatalf("stored SHA-256 %s, source %s", got, sum)
	}
}

// Failures before any data moves still end in one valid result: a preflight
// FAIL (preflight, then result), and a denied CreateMultipartUpload without
// the preflight (no start at all).
func TestJSONEventsFailureBeforeStart(t *testing.T) {
	src, _ := makeFile(t, 20*size.MiB)
	for _, tt := range []struct {
		name      string
		user      teststack.User
		flags     []string
		preflight bool
		operation string // prefix of diagnosis.operation
	}{
		// The canary proved where the upload would fail: that S3 call is named.
		{"preflight FAIL", stack.NoDecrypt, nil, true, "UploadPart"},
		{"preflight FAIL, no GenerateDataKey", stack.NoGenerateDataKey, nil, true, "CreateMultipartUpload"},
		{"CreateMultipartUpload denied", stack.NoGenerateDataKey, []string{"--no-preflight"}, false, "CreateMultipartUpload"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			key := uniqueKey(t, "obj.bin")
			defer abortUploadsOf(t, key)
			r := runCLI(t, tt.user, append([]string{"cp", src, target(key), "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--json"}, tt.flags...)...)
			if r.Code != 3 {
				t.Fatalf("exit %d, want 3: %s", r.Code, r)
			}
			evs := validateEvents(t, r)
			if n := len(evs.kind("start")); n != 0 {
				t.Errorf("%d start events for an upload that sent no data", n)
			}
			if got := len(evs.kind("preflight")); got != map[bool]int{true: 1, false: 0}[tt.preflight] {
				t.Errorf("%d preflight events", got)
			}
			if tt.preflight {
				if v := evs.one(t, "preflight").object("report")["verdict"]; v != "FAIL" {
					t.Errorf("preflight verdict %v, want FAIL", v)
				}
			}
			res := evs.result()
			op, _ := res.object("diagnosis")["operation"].(string)
			if res.str("status") != "failed" || res.int("exit_code") != 3 || !strings.HasPrefix(op, tt.operation) {
				t.Fatalf("result %s: want failed, exit_code 3, a diagnosis of %s", res.Line, tt.operation)
			}
		})
	}
}

// With --json, stdout carries JSON only, --dryrun included: a program that
// always passes --json must not get a text plan it cannot parse.
func TestJSONDryrunStdoutIsJSON(t *testing.T) {
	src, _ := makeFile(t, 20*size.MiB)
	r := runCLI(t, stack.Full, "cp", src, target(uniqueKey(t, "obj.bin")), "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--dryrun", "--json")
	if r.Code != 0 {
		t.Fatalf("--dryrun --json failed: %s", r)
	}
	lines := strings.Split(strings.TrimSpace(r.Stdout), "\n")
	for i, line := range lines {
		if !json.Valid([]byte(line)) {
			t.Fatalf("--dryrun --json: stdout line %d is not JSON: %q\nstdout:\n%s", i+1, line, r.Stdout)
		}
	}
	var plan map[string]any
	if len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &plan) != nil || plan["event"] != "plan" || plan["multipart"] != true || plan["parts"] != float64(3) {
		t.Fatalf("--dryrun --json: want one plan event for 3 parts, got:\n%s", r.Stdout)
	}
}
