package runtime

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// BenchmarkTaskOverhead: what the worker adds per task with a warm runtime
// whose handler returns at once: from the poll's answer leaving the fake
// to the SendTaskSuccess arriving (SDK, Runtime API round trip, answer).
// Budget: p50 under 2 ms.
func BenchmarkTaskOverhead(b *testing.B) {
	e := newTestEnv(b, fakeFunction{Zip: bootstrapZip(b, "echo")})
	e.fake.setPollWait(10 * time.Second)
	e.fake.addTask(`{"warm":true}`)
	_, stop := e.start(b)
	e.fake.waitAnswers(b, 1, 30*time.Second)
	b.ResetTimer()
	var overheads []time.Duration
	for i := 0; i < b.N; i++ {
		tok := e.fake.addTask(`{"granule":"g"}`)
		a := e.fake.waitAnswers(b, 1, 30*time.Second)[0]
		e.fake.mu.Lock()
		overheads = append(overheads, a.At.Sub(e.fake.handedAt[tok]))
		e.fake.mu.Unlock()
	}
	b.StopTimer()
	stop()
	slices.Sort(overheads)
	p50 := overheads[len(overheads)/2]
	b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(overheads[len(overheads)*99/100].Microseconds())/1000, "p99-ms")
	if b.N >= 100 && p50 > 2*time.Millisecond {
		b.Errorf("p50 overhead %s, budget 2 ms", p50)
	}
}

// BenchmarkThroughputConcurrency8: tasks per second with --concurrency 8
// against the in-process fake. Budget: at least 1,000 tasks/s.
func BenchmarkThroughputConcurrency8(b *testing.B) {
	e := newTestEnv(b, fakeFunction{Zip: bootstrapZip(b, "echo")})
	e.cfg.Concurrency = 8
	e.fake.setPollWait(10 * time.Second)
	_, stop := e.start(b)
	for range 8 {
		e.fake.addTask(`{"warm":true}`)
	}
	e.fake.waitAnswers(b, 8, 30*time.Second)
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		e.fake.addTask(`{"granule":"g"}`)
	}
	e.fake.waitAnswers(b, b.N, 5*time.Minute)
	elapsed := time.Since(start)
	b.StopTimer()
	stop()
	rate := float64(b.N) / elapsed.Seconds()
	b.ReportMetric(rate, "tasks/s")
	if b.N >= 2000 && rate < 1000 {
		b.Errorf("%.0f tasks/s, budget 1000", rate)
	}
}

// package50MB is a function package of about 50 MB zipped: mostly
// incompressible files, as node_modules with binaries are.
func package50MB(b *testing.B) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	var entries []zipEntry
	total := 0
	for i := 0; total < 50<<20; i++ {
		size := 256<<10 + r.IntN(1<<20)
		body := make([]byte, size)
		for j := 0; j+8 <= len(body); j += 8 {
			v := r.Uint64()
			for k := 0; k < 8; k++ {
				body[j+k] = byte(v >> (8 * k))
			}
		}
		entries = append(entries, zipEntry{Name: fmt.Sprintf("node_modules/pkg%d/lib/file%d.bin", i%40, i), Body: body})
		total += size
	}
	return makeZip(b, append(entries, zipEntry{Name: "index.js", Body: []byte("exports.handler = async () => ({})\n")})...)
}

// BenchmarkFetchExtract50MB: GetFunction, download, SHA-256, extraction of
// a 50 MB package. Budget: under 1.5 s.
func BenchmarkFetchExtract50MB(b *testing.B) {
	z := package50MB(b)
	e := newTestEnv(b, fakeFunction{Zip: z})
	fe := &Fetcher{Lambda: e.cfg.Lambda, WorkDir: e.cfg.WorkDir}
	b.SetBytes(int64(len(z)))
	b.ResetTimer()
	var worst time.Duration
	for i := 0; i < b.N; i++ {
		root := filepath.Join(e.base, fmt.Sprintf("task-%d", i))
		os.Mkdir(root, 0o755)
		start := time.Now()
		if _, _, err := fe.Fetch(context.Background(), "test-fn", root); err != nil {
			b.Fatal(err)
		}
		worst = max(worst, time.Since(start))
		b.StopTimer()
		os.RemoveAll(root)
		b.StartTimer()
	}
	b.ReportMetric(worst.Seconds(), "worst-s")
	if worst > 1500*time.Millisecond {
		b.Errorf("fetch+verify+extract of %d MB took %s, budget 1.5 s", len(z)>>20, worst)
	}
}

// TestIdleWorkerStaysIdle starts the built stepshift binary as a worker
// with two slots, against an endpoint answering empty polls at once (as
// the emulators do) and against one holding them (as AWS does for 60 s).
// Budgets: at most about one poll per second per slot and under 1 % CPU
// in the first case; one poll in flight per slot and under 30 MB resident
// in the second.
func TestIdleWorkerStaysIdle(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := stepshiftCLI(t)
	const slots = 2
	start := func(t *testing.T, pollWait time.Duration) (*testEnv, int) {
		e := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, "echo")})
		e.fake.setPollWait(pollWait)
		cmd := exec.Command(bin, "cumulus-ecs-task", "--activityArn", e.cfg.ActivityARN, "--lambdaArn", e.cfg.Function,
			"--endpoint-url", e.fake.srv.URL, "--directory", e.cfg.TaskRoot, "--work-directory", e.cfg.WorkDir, "--layer-directory", e.cfg.LayerRoot,
			"--concurrency", fmt.Sprint(slots))
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing", "AWS_REGION=us-west-2", "AWS_EC2_METADATA_DISABLED=true")
		stderr, _ := cmd.StderrPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cmd.Process.Signal(os.Interrupt)
			// A stopping worker lets polls in flight finish (a task they
			// bring must be answered); end the held ones now.
			e.fake.srv.CloseClientConnections()
			cmd.Wait()
		})
		started := make(chan struct{})
		go func() {
			sc := bufio.NewScanner(stderr)
			once := false
			for sc.Scan() {
				if !once && strings.Contains(sc.Text(), "worker started") {
					close(started)
					once = true
				}
			}
		}()
		select {
		case <-started:
		case <-time.After(60 * time.Second):
			t.Fatal("worker did not start")
		}
		return e, cmd.Process.Pid
	}
	polls := func(e *testEnv) int {
		e.fake.mu.Lock()
		defer e.fake.mu.Unlock()
		return e.fake.polls
	}

	t.Run("empty polls answered at once", func(t *testing.T) {
		e, pid := start(t, 0)
		time.Sleep(500 * time.Millisecond) // past start-up's own work
		const window = 4 * time.Second
		polls0, cpu0 := polls(e), procCPU(t, pid)
		time.Sleep(window)
		n, cpu := polls(e)-polls0, procCPU(t, pid)-cpu0
		t.Logf("%d polls and %s CPU in %s with %d slots", n, cpu, window, slots)
		if limit := slots * (int(window/time.Second) + 1); n > limit {
			t.Errorf("%d polls in %s with %d slots: want at most about one per second per slot (%d)", n, window, slots, limit)
		}
		if cpu > window/100 {
			t.Errorf("%s CPU in %s idle: budget 1 %%", cpu, window)
		}
	})
	t.Run("polls held as AWS holds them", func(t *testing.T) {
		e, pid := start(t, 60*time.Second)
		time.Sleep(1500 * time.Millisecond)
		rss, err := procStatusKB(pid, "VmRSS:")
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("idle worker RSS: %.1f MB", float64(rss)/1024)
		if rss > 30*1024 {
			t.Errorf("idle worker RSS %.1f MB, budget 30 MB", float64(rss)/1024)
		}
		if n := polls(e); n != slots {
			t.Errorf("%d polls while AWS holds them, want one per slot (%d)", n, slots)
		}
	})
}

// procCPU is the user + system CPU time process pid has used.
func procCPU(t testing.TB, pid int) time.Duration {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// Fields after "(comm)": state is the 3rd field, utime the 14th, stime the 15th.
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	var utime, stime int64
	fmt.Sscan(fields[11], &utime)
	fmt.Sscan(fields[12], &stime)
	// Linux reports clock ticks, USER_HZ = 100 on every architecture Go supports.
	return time.Duration(utime+stime) * 10 * time.Millisecond
}
