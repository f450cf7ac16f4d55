// Package usage reads what Lambda functions really did from their logs and
// sums it up per function: invocations, p50/p95/max duration, peak memory,
// and how many runs timed out, ran out of memory, failed or filled /tmp.
//
// Sources are log text as Lambda writes it to CloudWatch Logs, however it was
// exported: plain REPORT lines (tab or space separated, optionally prefixed by
// a timestamp, by `aws logs tail` or by `aws logs filter-log-events --output
// text`), Lambda's JSON log format (platform.report / platform.runtimeDone
// records), `Task timed out after N seconds`, `Runtime exited with error`,
// Runtime.ExitError, Runtime.OutOfMemory, application "No space left on
// device" / ENOSPC / [Errno 28] lines, FilterLogEvents JSON exports
// ({"events":[...]}) and one-event-per-line JSON, and the JSON log lines and
// REPORT lines that `stepshift worker` prints. The package reads text only; it
// makes no AWS calls (package deployed fetches CloudWatch Logs and feeds a
// Collector), so it needs no IAM permissions itself. Fetching the same
// evidence from AWS needs logs:FilterLogEvents on /aws/lambda/<function>.
//
// Attribution rule (which function a line belongs to), first match wins:
//  1. the record names it: a logGroupName "/aws/lambda/<name>" in a JSON
//     event, or a worker line's sender "stepshift/<name>";
//  2. the Source's Function, which callers set from the log group they
//     fetched, or which ParsePath derives from the file layout: a file
//     directly inside the given folder (or the given file itself) is
//     "<function>.log|.json|.jsonl|.txt"; a file below a sub-folder belongs to
//     the first-level sub-folder's name (one folder per function);
//  3. otherwise the empty name "" (unattributed).
//
// A REPORT line's own "Memory Size" is data about the run, never used to
// guess the function.
//
// Runs are deduplicated by request ID: the same timed-out request reported by
// its "Task timed out" line and by its REPORT "Status: timeout" counts once.
// Lines without a request ID inherit the last request ID seen in the same log
// stream (Lambda writes "Runtime.ExitError" on its own line after the line
// naming the request); a REPORT line ends that request.
//
// Percentiles are exact (nearest rank over all durations) up to ExactLimit
// runs per function; beyond that the durations move into a fixed-size
// logarithmic sketch whose quantiles are within 0.5% of the true value, so
// memory per function stays bounded for any amount of log.
//
// Malformed input is never fatal: lines are counted in the Report as
// evidence, other (understood but not evidence: START lines, application
// logging) or malformed (looked like evidence but could not be read), with
// the first few malformed lines kept as samples.
package usage
