package teststack

import "sync"

// CallKey names one counter: who called which operation. User is the stack
// user's Name; "anonymous" for unsigned requests, or the bare access key id
// when the gate does not know the key.
type CallKey struct{ User, Op string }

// CallCount is what the gate saw for one CallKey.
type CallCount struct {
	Requests int
	// Status counts responses by HTTP status code; 0 stands for a
	// connection the gate dropped on purpose (Faults.DropRate).
	Status map[int]int
}

// Counts is a snapshot of the gate's counters (see Stack.Counts). Maps are
// copies; the caller may keep and change them.
type Counts struct {
	Calls map[CallKey]CallCount
	// BodyBytes is request-body bytes the gate read, per operation. A part
	// refused before forwarding counts what was read (the gate drains
	// refused UploadPart bodies so clients see the answer, not a reset).
	BodyBytes map[string]int64
}

// Requests is how many requests user made of op.
func (c Counts) Requests(user, op string) int { return c.Calls[CallKey{user, op}].Requests }

// Op is how many requests of op any user made.
func (c Counts) Op(op string) int {
	n := 0
	for k, v := range c.Calls {
		if k.Op == op {
			n += v.Requests
		}
	}
	return n
}

// Status is how many of user's op requests were answered with code.
func (c Counts) Status(user, op string, code int) int {
	return c.Calls[CallKey{user, op}].Status[code]
}

// OpStatus is how many op requests of any user were answered with code.
func (c Counts) OpStatus(op string, code int) int {
	n := 0
	for k, v := range c.Calls {
		if k.Op == op {
			n += v.Status[code]
		}
	}
	return n
}

// counters is the gate's live, locked version of Counts.
type counters struct {
	mu    sync.Mutex
	calls map[CallKey]*CallCount
	bytes map[string]int64
}

func newCounters() *counters {
	return &counters{calls: map[CallKey]*CallCount{}, bytes: map[string]int64{}}
}

func (c *counters) record(user, op string, status int, bodyBytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := CallKey{user, op}
	cc := c.calls[k]
	if cc == nil {
		cc = &CallCount{Status: map[int]int{}}
		c.calls[k] = cc
	}
	cc.Requests++
	cc.Status[status]++
	c.bytes[op] += bodyBytes
}

func (c *counters) snapshot() Counts {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := Counts{Calls: make(map[CallKey]CallCount, len(c.calls)), BodyBytes: make(map[string]int64, len(c.bytes))}
	for k, v := range c.calls {
		st := make(map[int]int, len(v.Status))
		for code, n := range v.Status {
			st[code] = n
		}
		out.Calls[k] = CallCount{Requests: v.Requests, Status: st}
	}
	for k, v := range c.bytes {
		out.BodyBytes[k] = v
	}
	return out
}

func (c *counters) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = map[CallKey]*CallCount{}
	c.bytes = map[string]int64{}
}
