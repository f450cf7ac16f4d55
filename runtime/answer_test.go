package runtime

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// TestClassifyAnswerError is the answer table of docs/worker.md, row by
// row, on errors the real SDK client makes of real HTTP answers.
func TestClassifyAnswerError(t *testing.T) {
	apiError := func(status int, code string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { sfnError(w, status, code, "refused: "+code) }
	}
	rows := []struct {
		name   string
		answer http.HandlerFunc
		want   answerFate
	}{
		{"accepted", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, map[string]string{}) }, fateAccepted},
		{"TaskTimedOut", apiError(400, "TaskTimedOut"), fateGone},
		{"TaskDoesNotExist", apiError(400, "TaskDoesNotExist"), fateGone},
		{"InvalidToken", apiError(400, "InvalidToken"), fateGone},
		{"InvalidOutput", apiError(400, "InvalidOutput"), fateRefused},
		{"ValidationException", apiError(400, "ValidationException"), fateRefused},
		{"InvalidParameterValue (stepfunctions-local's size limit)", apiError(400, "InvalidParameterValue"), fateRefused},
		{"KmsAccessDeniedException", apiError(400, "KmsAccessDeniedException"), fateRefused},
		{"AccessDeniedException", apiError(400, "AccessDeniedException"), fateRefused},
		{"413 from a proxy, not JSON", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(413)
			io.WriteString(w, "<html>Payload Too Large</html>")
		}, fateRefused},
		{"ThrottlingException", apiError(400, "ThrottlingException"), fateTransient},
		{"KmsThrottlingException", apiError(400, "KmsThrottlingException"), fateTransient},
		{"ExpiredTokenException (credentials rotate)", apiError(400, "ExpiredTokenException"), fateTransient},
		{"429 without a code", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(429) }, fateTransient},
		{"500", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }, fateTransient},
		{"502 HTML from a load balancer", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			io.WriteString(w, "<html>Bad Gateway</html>")
		}, fateTransient},
		{"503 ServiceUnavailable", apiError(503, "ServiceUnavailable"), fateTransient},
		{"connection dropped", func(w http.ResponseWriter, r *http.Request) {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		}, fateTransient},
		{"answer slower than the attempt timeout", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-time.After(2 * time.Second):
			case <-r.Context().Done():
			}
		}, fateTransient},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			srv := httptest.NewServer(row.answer)
			defer srv.Close()
			client := sfn.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")},
				func(o *sfn.Options) { o.BaseEndpoint = aws.String(srv.URL) })
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			_, err := client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String("tok"), Output: aws.String("{}")}, noSDKRetries)
			if got := classifyAnswerError(err); got != row.want {
				t.Errorf("%v: classified %s, want %s", err, got, row.want)
			}
		})
	}
}

// TestTransientAnswerFaultsRetrySameAnswer: throttling, 5xx and dropped
// connections are retried with the same token and the same output until
// accepted, and the SDK does not retry behind the worker's back.
func TestTransientAnswerFaultsRetrySameAnswer(t *testing.T) {
	e := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, "echo")})
	e.fake.onAnswer = func(a fakeAnswer, n int, w http.ResponseWriter) bool {
		switch n {
		case 1:
			sfnError(w, 400, "ThrottlingException", "Rate exceeded")
		case 2:
			w.WriteHeader(503)
		case 3:
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		default:
			return false
		}
		return true
	}
	tok := e.fake.addTask(`{"a":1}`)
	_, stop := e.start(t)
	e.fake.waitAnswers(t, 4, 30*time.Second)
	stop()
	answers := e.fake.answersFor(tok)
	if len(answers) != 4 {
		t.Fatalf("%d answers, want 3 faulted and 1 accepted: %+v", len(answers), answers)
	}
	for _, a := range answers {
		if a.Kind != "Success" || a.Output != `{"a":1}` {
			t.Errorf("answer %+v, want the same success each time", a)
		}
	}
	if n := strings.Count(e.logs.String(), "sending it again with the same token"); n != 3 {
		t.Errorf("%d retries logged, want 3:\n%s", n, e.logs.String())
	}
	if strings.Contains(e.logs.String(), "could not answer") {
		t.Errorf("a recovered answer logged as lost:\n%s", e.logs.String())
	}
}

// TestRefusedOutputBecomesCatchableFailure: a success Step Functions
// refuses is followed by SendTaskFailure Worker.OutputRefused, its cause
// Lambda-style JSON naming the refusal and the output size.
func TestRefusedOutputBecomesCatchableFailure(t *testing.T) {
	e := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, "echo")})
	e.fake.onAnswer = func(a fakeAnswer, n int, w http.ResponseWriter) bool {
		if a.Kind == "Success" {
			sfnError(w, 400, "InvalidOutput", "The provided JSON output data is invalid")
			return true
		}
		return false
	}
	in := `{"granule":"g-1"}`
	tok := e.fake.addTask(in)
	_, stop := e.start(t)
	e.fake.waitAnswers(t, 2, 30*time.Second)
	stop()
	answers := e.fake.answersFor(tok)
	if len(answers) != 2 || answers[0].Kind != "Success" || answers[1].Kind != "Failure" {
		t.Fatalf("answers %+v, want the refused success then one failure", answers)
	}
	f := answers[1]
	var cause struct{ ErrorMessage, ErrorType string }
	if err := json.Unmarshal([]byte(f.Cause), &cause); err != nil || f.Error != ErrOutputRefused || cause.ErrorType != ErrOutputRefused {
		t.Fatalf("failure %+v is not a Lambda-style %s (%v)", f, ErrOutputRefused, err)
	}
	for _, want := range []string{"InvalidOutput", "The provided JSON output data is invalid", "(17 bytes)"} {
		if !strings.Contains(cause.ErrorMessage, want) {
			t.Errorf("cause %q does not name %q", cause.ErrorMessage, want)
		}
	}
}

// TestRefusedFailureIsSentAgainWithTheErrorAlone: when the failure itself
// is refused, a last SendTaskFailure carries the error name and no cause.
func TestRefusedFailureIsSentAgainWithTheErrorAlone(t *testing.T) {
	e := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, "echo")})
	e.fake.onAnswer = func(a fakeAnswer, n int, w http.ResponseWriter) bool {
		if a.Kind == "Success" || a.Cause != "" {
			sfnError(w, 400, "ValidationException", "1 validation error detected")
			return true
		}
		return false
	}
	tok := e.fake.addTask(`{"a":1}`)
	_, stop := e.start(t)
	e.fake.waitAnswers(t, 3, 30*time.Second)
	stop()
	answers := e.fake.answersFor(tok)
	if len(answers) != 3 {
		t.Fatalf("answers %+v, want success, failure with cause, failure without", answers)
	}
	if last := answers[2]; last.Kind != "Failure" || last.Error != ErrOutputRefused || last.Cause != "" {
		t.Errorf("last answer %+v, want %s with no cause", last, ErrOutputRefused)
	}
	if strings.Contains(e.logs.String(), "could not answer") {
		t.Errorf("the accepted minimal failure logged as lost:\n%s", e.logs.String())
	}
}

// TestAnswerRetriesAreBounded: a service that never accepts gets the same
// answer until AnswerRetryFor runs out, then the loss is logged once and
// the slot polls again.
func TestAnswerRetriesAreBounded(t *testing.T) {
	e := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, "echo")})
	e.cfg.AnswerRetryFor = 1500 * time.Millisecond
	e.fake.onAnswer = func(a fakeAnswer, n int, w http.ResponseWriter) bool {
		w.WriteHeader(500)
		return true
	}
	first := e.fake.addTask(`{"a":1}`)
	_, stop := e.start(t)
	start := time.Now()
	e.fake.waitAnswers(t, 3, 10*time.Second)
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(e.logs.String(), "could not answer") && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	took := time.Since(start)
	e.fake.mu.Lock()
	e.fake.onAnswer = nil
	e.fake.mu.Unlock()
	second := e.fake.addTask(`{"a":2}`)
	for deadline := time.Now().Add(10 * time.Second); len(e.fake.answersFor(second)) == 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	if c := strings.Count(e.logs.String(), "could not answer"); c != 1 {
		t.Errorf("the lost answer logged %d times, want once", c)
	}
	if took > 5*time.Second {
		t.Errorf("gave up after %s with a 1.5 s bound", took)
	}
	for _, a := range e.fake.answersFor(first) {
		if a.Kind != "Success" || a.Output != `{"a":1}` {
			t.Errorf("retry %+v is not the same answer", a)
		}
	}
	if a := e.fake.answersFor(second); len(a) != 1 || a[0].Kind != "Success" {
		t.Errorf("the next task answered %+v", a)
	}
}

// TestLostReplyThenTaskGoneIsLoggedAsPossiblyAnswered: an attempt whose
// reply was lost may have closed the task; the TaskTimedOut its resend gets
// ends the retries, and the log says the first may have landed.
func TestLostReplyThenTaskGoneIsLoggedAsPossiblyAnswered(t *testing.T) {
	e := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, "echo")})
	e.fake.onAnswer = func(a fakeAnswer, n int, w http.ResponseWriter) bool {
		if n == 1 {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		} else {
			sfnError(w, 400, "TaskTimedOut", "Task Timed Out")
		}
		return true
	}
	tok := e.fake.addTask(`{"a":1}`)
	_, stop := e.start(t)
	e.fake.waitAnswers(t, 2, 30*time.Second)
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(e.logs.String(), "no longer waits") && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	if a := e.fake.answersFor(tok); len(a) != 2 || a[1].Output != a[0].Output {
		t.Errorf("answers %+v, want the same success twice and nothing after TaskTimedOut", a)
	}
	if !strings.Contains(e.logs.String(), "an earlier attempt whose reply was lost may have answered it") {
		t.Errorf("the log does not say the first attempt may have landed:\n%s", e.logs.String())
	}
}
