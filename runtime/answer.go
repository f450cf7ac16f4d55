package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"
)

// ErrOutputRefused is the error a task is failed with when Step Functions
// refused the answer's content (InvalidOutput, a size limit, any other
// validation error): the workflow's Catch sees it as it would see a failed
// Lambda, instead of the execution waiting for a timeout.
const ErrOutputRefused = "Worker.OutputRefused"

// Answer retry timing. The SDK's own retries are off for answers (see
// noSDKRetries), so these are the only ones: one policy, one log line per
// retry, and no retry quota shared with other calls that could run dry.
const (
	answerFirstBackoff = 200 * time.Millisecond
	answerMaxBackoff   = 10 * time.Second
	// answerAfterStop is what retries get once the stop timeout has passed:
	// ECS kills the container soon after.
	answerAfterStop = 15 * time.Second
	// DefaultAnswerTimeout bounds one SendTaskSuccess/SendTaskFailure attempt.
	DefaultAnswerTimeout = 30 * time.Second
	// DefaultAnswerRetryFor bounds all attempts to answer one task.
	DefaultAnswerRetryFor = 2 * time.Minute
)

// answerFate is what an error from SendTaskSuccess or SendTaskFailure
// means for the token.
type answerFate int

const (
	// fateAccepted: Step Functions has the answer.
	fateAccepted answerFate = iota
	// fateTransient: the call may not have arrived or was turned away for
	// now (throttling, 5xx, connection reset, timeout): send the same
	// answer again with the same token.
	fateTransient
	// fateGone: Step Functions no longer waits for this token
	// (TaskTimedOut, TaskDoesNotExist, InvalidToken): nothing can be sent.
	fateGone
	// fateRefused: Step Functions read the answer and refused its content
	// (InvalidOutput, size limits, other 4xx validation errors): sending it
	// again cannot help; a smaller answer can.
	fateRefused
)

func (f answerFate) String() string {
	return [...]string{"accepted", "transient", "task gone", "refused"}[f]
}

// goneCodes mean the token can no longer be answered. InvalidToken is
// among them: no content makes a malformed token valid.
var goneCodes = map[string]bool{"TaskTimedOut": true, "TaskDoesNotExist": true, "InvalidToken": true}

// transientCodes are 4xx codes worth sending the same answer again for,
// besides the SDK's throttling and request-timeout codes: expired or
// not-yet-valid credentials are refreshed by the credential chain (the ECS
// task role rotates them), and KMS throttles on its own.
var transientCodes = map[string]bool{
	"KmsThrottlingException": true, "ExpiredToken": true, "ExpiredTokenException": true,
	"RequestExpired": true, "InvalidSignatureException": true, "SignatureDoesNotMatch": true,
	"IDPCommunicationError": true,
}

// classifyAnswerError sorts an answer's error into its fate. Without an
// HTTP status (connection refused, reset, dropped, or timed out before an
// answer) it is transient: whether the call arrived is unknown, and sending
// the same answer again with the same token is safe either way.
func classifyAnswerError(err error) answerFate {
	if err == nil {
		return fateAccepted
	}
	code := errorCode(err)
	if goneCodes[code] {
		return fateGone
	}
	_, throttled := retry.DefaultThrottleErrorCodes[code]
	_, timedOut := retry.DefaultRetryableErrorCodes[code]
	if throttled || timedOut || transientCodes[code] {
		return fateTransient
	}
	switch status := httpStatus(err); {
	case status == 408 || status == 429 || status >= 500:
		return fateTransient
	case status >= 400:
		return fateRefused
	}
	// The SDK refusing to send the input (a required field missing) is
	// about the content too.
	var invalid smithy.InvalidParamsError
	if errors.As(err, &invalid) {
		return fateRefused
	}
	return fateTransient
}

// httpStatus is the HTTP status of the reply err came with; 0 when there
// was none (the SDK reports a failed send as status 0).
func httpStatus(err error) int {
	var withStatus interface{ HTTPStatusCode() int }
	if errors.As(err, &withStatus) {
		return withStatus.HTTPStatusCode()
	}
	return 0
}

// noSDKRetries turns the SDK's retryer off for one answer call: answer
// retries are the worker's own, so a fault is not retried twice over.
func noSDKRetries(o *sfn.Options) {
	o.Retryer = aws.NopRetryer{}
	o.RetryMaxAttempts = 0
}

// answer sends the one final answer for token and returns nil once Step
// Functions accepted an answer. The answer table (docs/worker.md):
// transient errors are retried with backoff and jitter, same token, within
// AnswerRetryFor; a gone task is logged once and left; a refused success
// becomes SendTaskFailure Worker.OutputRefused naming the refusal and the
// output size; a refused failure is followed by a last one with the error
// alone.
func (w *Worker) answer(hard context.Context, token string, log *slog.Logger, res *Result) error {
	if log == nil {
		log = w.log.With("task", tokenRef(token))
	}
	ctx, cancel := w.answerContext(hard)
	defer cancel()

	// unsure: some attempt ended with no reply at all, so it may have
	// arrived; a "task gone" after that may mean it did.
	var unsure bool
	fate, err := w.send(ctx, log, token, res, &unsure)
	if fate != fateRefused {
		return w.settle(log, token, res, fate, err, unsure)
	}
	refused := res
	if !res.Failed() {
		reason := describeRefusal(err, token)
		log.Error("Step Functions refused the task's output: failing the task with "+ErrOutputRefused+" so the workflow can catch it",
			"requestId", res.RequestID, "outputBytes", len(res.Output), "refusal", reason)
		refused = &Result{RequestID: res.RequestID, Duration: res.Duration, Error: ErrOutputRefused,
			Cause: causeJSON(ErrOutputRefused, fmt.Sprintf("Step Functions refused the task's output (%d bytes): %s", len(res.Output), reason))}
		fate, err = w.send(ctx, log, token, refused, &unsure)
		if fate != fateRefused {
			return w.settle(log, token, refused, fate, err, unsure)
		}
	}
	// A failure that is itself refused: a last one with nothing that could
	// be refused but the error name.
	log.Error("Step Functions refused the task failure: sending the error alone", "requestId", res.RequestID, "error", refused.Error, "refusal", describeRefusal(err, token))
	minimal := &Result{RequestID: res.RequestID, Duration: res.Duration, Error: refused.Error}
	fate, err = w.send(ctx, log, token, minimal, &unsure)
	return w.settle(log, token, minimal, fate, err, unsure)
}

// answerContext bounds all attempts of one answer: AnswerRetryFor, cut to
// answerAfterStop once the stop timeout has passed (hard is done).
func (w *Worker) answerContext(hard context.Context) (context.Context, context.CancelFunc) {
	budget := w.cfg.AnswerRetryFor
	if hard.Err() != nil {
		budget = min(budget, answerAfterStop)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(hard), budget)
	stopWatching := context.AfterFunc(hard, func() {
		t := time.AfterFunc(answerAfterStop, cancel)
		context.AfterFunc(ctx, func() { t.Stop() })
	})
	return ctx, func() {
		stopWatching()
		cancel()
	}
}

// send delivers one answer, sending it again with the same token while its
// errors are transient and ctx allows another attempt. It sets *unsure
// when an attempt ended with no reply (it may have arrived).
func (w *Worker) send(ctx context.Context, log *slog.Logger, token string, res *Result, unsure *bool) (answerFate, error) {
	var backoff time.Duration
	for attempt := 1; ; attempt++ {
		attemptCtx, cancel := context.WithTimeout(ctx, w.cfg.AnswerTimeout)
		var err error
		if res.Failed() {
			in := &sfn.SendTaskFailureInput{TaskToken: aws.String(token), Error: aws.String(res.Error)}
			if res.Cause != "" {
				in.Cause = aws.String(res.Cause)
			}
			_, err = w.cfg.SFN.SendTaskFailure(attemptCtx, in, noSDKRetries)
		} else {
			_, err = w.cfg.SFN.SendTaskSuccess(attemptCtx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(string(res.Output))}, noSDKRetries)
		}
		cancel()
		fate := classifyAnswerError(err)
		if fate != fateTransient {
			return fate, err
		}
		if httpStatus(err) == 0 {
			*unsure = true
		}
		backoff = nextBackoff(backoff, answerFirstBackoff, answerMaxBackoff)
		if deadline, ok := ctx.Deadline(); ctx.Err() != nil || (ok && time.Until(deadline) < backoff) {
			return fate, err
		}
		log.Warn("answer not delivered: sending it again with the same token", "requestId", res.RequestID, "attempt", attempt,
			"code", errorCode(err), "error", redactToken(err.Error(), token), "wait_ms", backoff.Milliseconds())
		sleepCtx(ctx, backoff)
		if ctx.Err() != nil {
			return fate, err
		}
	}
}

// settle logs the final fate of an answer, once, and returns nil when
// Step Functions accepted it.
func (w *Worker) settle(log *slog.Logger, token string, res *Result, fate answerFate, err error, unsure bool) error {
	switch fate {
	case fateAccepted:
		if res.Failed() {
			log.Info("task failed", "requestId", res.RequestID, "error", res.Error, "duration_ms", res.Duration.Milliseconds())
		} else {
			log.Info("task succeeded", "requestId", res.RequestID, "duration_ms", res.Duration.Milliseconds())
		}
		return nil
	case fateGone:
		if unsure {
			// On AWS an answer to a closed task is TaskTimedOut too.
			log.Warn("Step Functions no longer waits for this task: an earlier attempt whose reply was lost may have answered it, or it timed out", "requestId", res.RequestID, "code", errorCode(err))
		} else {
			log.Warn("Step Functions no longer waits for this task (timed out before the answer)", "requestId", res.RequestID, "code", errorCode(err))
		}
		return fmt.Errorf("%w: %s", errTaskGone, errorCode(err))
	}
	msg := redactToken(err.Error(), token)
	log.Error("could not answer the task", "requestId", res.RequestID, "fate", fate.String(), "code", errorCode(err), "error", msg)
	return errors.New(msg)
}

// describeRefusal names a refusal for a cause or a log line: the error
// code and message, with the token hashed.
func describeRefusal(err error, token string) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return redactToken(ae.ErrorCode()+": "+ae.ErrorMessage(), token)
	}
	return redactToken(err.Error(), token)
}

// taskGone reports the answers meaning Step Functions no longer waits for
// this token: sending anything more is pointless.
func taskGone(err error) bool {
	return err != nil && goneCodes[errorCode(err)]
}

var errTaskGone = errors.New("task gone")
