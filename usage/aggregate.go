package usage

import (
	"math"
	"slices"
	"sort"
	"time"
)

// ExactLimit is how many durations per function are kept for exact
// percentiles; past it they move into a sketch (relative error SketchError).
const ExactLimit = 1 << 17

// SketchError is the sketch's bound on relative error of a quantile.
const SketchError = 0.005

// Usage is the evidence about one function.
type Usage struct {
	Function string
	Sources  []string // files or log groups the evidence came from, first-seen order

	Invocations   int     // REPORT lines (text or platform.report)
	DurationP50Ms float64 // nearest-rank percentiles over REPORT durations
	DurationP95Ms float64
	DurationMaxMs float64
	// DurationExact is false when percentiles came from the sketch
	// (more than ExactLimit runs): then within SketchError of the true value.
	DurationExact bool
	MaxInitMs     float64

	MaxMemoryUsedMB int
	MemorySizeMB    int   // memory size of the latest run (by time, else last read)
	MemorySizesMB   []int // every memory size seen, ascending (more than one: the configuration changed)
	// PeakMemoryPercent is the highest Max Memory Used / Memory Size of any
	// one run, in percent: right even when the memory size changed in the window.
	PeakMemoryPercent float64

	Timeouts       int   // runs that timed out (distinct request IDs)
	TimeoutSeconds []int // the timeouts seen, whole seconds, ascending
	OutOfMemory    int   // runs with Runtime.OutOfMemory or killed by a signal
	Errors         int   // runs that ended in an error (includes OutOfMemory; excludes timeouts)
	DiskFull       int   // runs that logged ENOSPC / No space left on device

	First, Last time.Time // zero when no line carried a timestamp
}

// acc accumulates one function's evidence.
type acc struct {
	function string
	u        Usage
	sources  map[string]bool
	lastSrc  string

	exact  []float64
	sketch *sketch
	sum    float64

	memSizes    map[int]bool
	memSizeTime time.Time
	timeoutSecs map[int]bool
	// failures holds the flags already counted per request ID, so one run
	// reported by several lines counts once.
	failures map[string]Flag
	anon     failureCounts // runs without a request ID
}

func newAcc(function string) *acc {
	return &acc{function: function, sources: map[string]bool{}, memSizes: map[int]bool{},
		timeoutSecs: map[int]bool{}, failures: map[string]Flag{}}
}

func (a *acc) addSource(name string) {
	if name == a.lastSrc || name == "" {
		return
	}
	a.lastSrc = name
	if !a.sources[name] {
		a.sources[name] = true
		a.u.Sources = append(a.u.Sources, name)
	}
}

func (a *acc) seen(t time.Time) {
	if t.IsZero() {
		return
	}
	if a.u.First.IsZero() || t.Before(a.u.First) {
		a.u.First = t
	}
	if t.After(a.u.Last) {
		a.u.Last = t
	}
}

func (a *acc) addReport(r *record) {
	u := &a.u
	u.Invocations++
	a.seen(r.time)
	d := r.durationMs
	if a.sketch == nil {
		a.exact = append(a.exact, d)
		if len(a.exact) > ExactLimit {
			a.sketch = newSketch()
			for _, v := range a.exact {
				a.sketch.add(v)
			}
			a.exact = nil
		}
	} else {
		a.sketch.add(d)
	}
	if d > u.DurationMaxMs {
		u.DurationMaxMs = d
	}
	if r.initMs > u.MaxInitMs {
		u.MaxInitMs = r.initMs
	}
	if r.maxUsedMB > u.MaxMemoryUsedMB {
		u.MaxMemoryUsedMB = r.maxUsedMB
	}
	if r.memorySizeMB > 0 {
		if !a.memSizes[r.memorySizeMB] {
			a.memSizes[r.memorySizeMB] = true
		}
		if r.time.IsZero() || !r.time.Before(a.memSizeTime) {
			u.MemorySizeMB = r.memorySizeMB
			if !r.time.IsZero() {
				a.memSizeTime = r.time
			}
		}
		if pct := 100 * float64(r.maxUsedMB) / float64(r.memorySizeMB); pct > u.PeakMemoryPercent {
			u.PeakMemoryPercent = pct
		}
	}
	if r.flags&FlagTimeout != 0 && r.timeoutSeconds == 0 {
		r.timeoutSeconds = d / 1000
	}
	if r.flags != 0 {
		a.addFlags(r)
	}
}

// addFlags notes a run's failures. Runs with a request ID are counted at
// snapshot time from their combined flags (so the lines of one run count
// once, in any order); runs without one are counted as they come.
func (a *acc) addFlags(r *record) {
	a.seen(r.time)
	if r.flags&FlagTimeout != 0 && r.timeoutSeconds > 0 {
		a.timeoutSecs[int(math.Round(r.timeoutSeconds))] = true
	}
	if len(r.requestID) > 0 {
		if prev, ok := a.failures[string(r.requestID)]; !ok || prev|r.flags != prev {
			a.failures[string(r.requestID)] = prev | r.flags
		}
		return
	}
	a.anon.count(r.flags)
}

// failureCounts are the per-kind run counts of Usage.
type failureCounts struct{ timeouts, outOfMemory, errors, diskFull int }

// count adds one run with these flags. A timed-out run's exit is part of the
// timeout, not a separate error.
func (f *failureCounts) count(flags Flag) {
	if flags&FlagTimeout != 0 {
		f.timeouts++
	} else if flags&FlagError != 0 {
		f.errors++
	}
	if flags&FlagOutOfMemory != 0 {
		f.outOfMemory++
	}
	if flags&FlagDiskFull != 0 {
		f.diskFull++
	}
}

func (a *acc) merge(o *acc) {
	for _, s := range o.u.Sources {
		a.addSource(s)
	}
	if !o.u.First.IsZero() {
		a.seen(o.u.First)
		a.seen(o.u.Last)
	}
	u, ou := &a.u, &o.u
	u.Invocations += ou.Invocations
	a.anon.timeouts += o.anon.timeouts
	a.anon.outOfMemory += o.anon.outOfMemory
	a.anon.errors += o.anon.errors
	a.anon.diskFull += o.anon.diskFull
	u.DurationMaxMs = max(u.DurationMaxMs, ou.DurationMaxMs)
	u.MaxInitMs = max(u.MaxInitMs, ou.MaxInitMs)
	u.MaxMemoryUsedMB = max(u.MaxMemoryUsedMB, ou.MaxMemoryUsedMB)
	u.PeakMemoryPercent = max(u.PeakMemoryPercent, ou.PeakMemoryPercent)
	if ou.MemorySizeMB > 0 && (o.memSizeTime.IsZero() || !o.memSizeTime.Before(a.memSizeTime)) {
		u.MemorySizeMB, a.memSizeTime = ou.MemorySizeMB, o.memSizeTime
	}
	for k := range o.memSizes {
		a.memSizes[k] = true
	}
	for k := range o.timeoutSecs {
		a.timeoutSecs[k] = true
	}
	for k, v := range o.failures {
		a.failures[k] |= v
	}
	if a.sketch == nil && o.sketch == nil && len(a.exact)+len(o.exact) <= ExactLimit {
		a.exact = append(a.exact, o.exact...)
		return
	}
	if a.sketch == nil {
		a.sketch = newSketch()
		for _, v := range a.exact {
			a.sketch.add(v)
		}
		a.exact = nil
	}
	if o.sketch != nil {
		a.sketch.merge(o.sketch)
	}
	for _, v := range o.exact {
		a.sketch.add(v)
	}
}

// usage snapshots the aggregate.
func (a *acc) usage(function string) *Usage {
	u := a.u
	u.Function = function
	u.Sources = slices.Clone(a.u.Sources)
	for k := range a.memSizes {
		u.MemorySizesMB = append(u.MemorySizesMB, k)
	}
	sort.Ints(u.MemorySizesMB)
	for k := range a.timeoutSecs {
		u.TimeoutSeconds = append(u.TimeoutSeconds, k)
	}
	sort.Ints(u.TimeoutSeconds)
	counts := a.anon
	for _, flags := range a.failures {
		counts.count(flags)
	}
	u.Timeouts, u.OutOfMemory, u.Errors, u.DiskFull = counts.timeouts, counts.outOfMemory, counts.errors, counts.diskFull
	if a.sketch != nil {
		u.DurationP50Ms = min(a.sketch.quantile(0.50), u.DurationMaxMs)
		u.DurationP95Ms = min(a.sketch.quantile(0.95), u.DurationMaxMs)
	} else if len(a.exact) > 0 {
		u.DurationExact = true
		sorted := slices.Clone(a.exact)
		slices.Sort(sorted)
		u.DurationP50Ms = nearestRank(sorted, 0.50)
		u.DurationP95Ms = nearestRank(sorted, 0.95)
	}
	return &u
}

// nearestRank is the smallest value with at least q of the values at or below it.
func nearestRank(sorted []float64, q float64) float64 {
	rank := int(math.Ceil(q * float64(len(sorted))))
	rank = max(1, min(rank, len(sorted)))
	return sorted[rank-1]
}

// sketch is a logarithmic histogram (DDSketch-style): bucket i holds values
// in (γ^(i-1), γ^i], so any bucket's midpoint is within SketchError of every
// value in it. Durations from 1 µs to ~115 days fit in a fixed array.
type sketch struct {
	zero  uint64 // values below sketchMin
	bins  []uint64
	count uint64
}

var (
	sketchGamma   = (1 + SketchError) / (1 - SketchError)
	sketchLnGamma = math.Log(sketchGamma)
	sketchMinIdx  = int(math.Ceil(math.Log(sketchMin) / sketchLnGamma))
	sketchMaxIdx  = int(math.Ceil(math.Log(sketchMax) / sketchLnGamma))
)

const (
	sketchMin = 1e-3 // ms
	sketchMax = 1e10 // ms
)

func newSketch() *sketch { return &sketch{bins: make([]uint64, sketchMaxIdx-sketchMinIdx+1)} }

func (s *sketch) add(v float64) {
	s.count++
	if !(v >= sketchMin) {
		s.zero++
		return
	}
	i := int(math.Ceil(math.Log(v) / sketchLnGamma))
	i = min(i, sketchMaxIdx)
	s.bins[i-sketchMinIdx]++
}

func (s *sketch) merge(o *sketch) {
	s.count += o.count
	s.zero += o.zero
	for i, n := range o.bins {
		s.bins[i] += n
	}
}

func (s *sketch) quantile(q float64) float64 {
	if s.count == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(s.count)))
	rank = max(1, min(rank, s.count))
	seen := s.zero
	if seen >= rank {
		return 0
	}
	for i, n := range s.bins {
		seen += n
		if seen >= rank {
			idx := i + sketchMinIdx
			return 2 * math.Pow(sketchGamma, float64(idx)) / (sketchGamma + 1)
		}
	}
	return 0
}
