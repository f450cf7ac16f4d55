package deployed

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/stepshift/stepshift/usage"
)

// LogRead is the outcome of one Logs call.
type LogRead struct {
	Function string
	LogGroup string
	Start    time.Time
	End      time.Time
	Events   int // events fed to the collector
	Pages    int // FilterLogEvents calls that answered
	// Truncated is true when the read stopped at Options.MaxLogEvents or
	// MaxLogPages before CloudWatch ran out of events; Note says so in words.
	Truncated bool
	Note      string
	// Collector holds the evidence; Collector.Usage(Function) is the
	// function's aggregate.
	Collector *usage.Collector
}

// Logs reads the function's CloudWatch log group between start and end with
// FilterLogEvents, following nextToken page by page, and feeds every event to
// a usage.Collector attributed to the function. progress, when not nil, is
// called after each page with the events read so far (a CLI progress bar).
// The read is bounded by Options.MaxLogEvents and MaxLogPages; a cut read
// keeps what it read and says so in LogRead.Note. Errors are *Error values
// (a missing log group is ErrNotFound: the function never ran or logs
// elsewhere) or a cancelled context; what was read before either is returned.
func (c *Client) Logs(ctx context.Context, functionName string, start, end time.Time, progress func(events int)) (*LogRead, error) {
	return c.LogsFrom(ctx, functionName, "", start, end, progress)
}

// LogsFrom is Logs for a function whose logging configuration names its own
// log group (FunctionConfig.LogGroup); logGroup "" means /aws/lambda/<name>.
func (c *Client) LogsFrom(ctx context.Context, functionName, logGroup string, start, end time.Time, progress func(events int)) (*LogRead, error) {
	name := functionName
	if r, err := ParseFunctionRef(functionName); err == nil {
		name = r.Name
	}
	if logGroup == "" {
		logGroup = "/aws/lambda/" + name
	}
	read := &LogRead{Function: name, LogGroup: logGroup, Start: start, End: end, Collector: usage.NewCollector()}
	src := usage.Source{Name: "cloudwatch:" + logGroup, Function: name}
	// Only the events evidence is read from: application logging is most of
	// a busy function's log, and the event and page bounds then cover a
	// far longer window.
	in := &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(logGroup), FilterPattern: aws.String(usage.CloudWatchFilterPattern)}
	if !start.IsZero() {
		in.StartTime = aws.Int64(start.UnixMilli())
	}
	if !end.IsZero() {
		in.EndTime = aws.Int64(end.UnixMilli())
	}
	seenTokens := map[string]bool{}
	for {
		if read.Pages >= c.opts.MaxLogPages {
			read.cut(fmt.Sprintf("stopped after %d pages of FilterLogEvents (the page limit)", read.Pages))
			break
		}
		if remaining := c.opts.MaxLogEvents - read.Events; remaining < 10_000 {
			in.Limit = aws.Int32(int32(max(remaining, 1)))
		}
		out, err := c.logs.FilterLogEvents(ctx, in)
		if err != nil {
			return read, classify(err, "logs:FilterLogEvents", c.logGroupARN(logGroup), "log group "+logGroup)
		}
		read.Pages++
		for i, ev := range out.Events {
			if read.Events >= c.opts.MaxLogEvents {
				read.cut(fmt.Sprintf("stopped after %d events (the event limit); %d more on the last page were not read", read.Events, len(out.Events)-i))
				break
			}
			var at time.Time
			if ev.Timestamp != nil {
				at = time.UnixMilli(*ev.Timestamp).UTC()
			}
			read.Collector.AddEvent(src, aws.ToString(ev.LogStreamName), at, aws.ToString(ev.Message))
			read.Events++
		}
		if progress != nil {
			progress(read.Events)
		}
		next := aws.ToString(out.NextToken)
		if next == "" || read.Truncated {
			break
		}
		if read.Events >= c.opts.MaxLogEvents {
			read.cut(fmt.Sprintf("stopped after %d events (the event limit); older or newer runs were not read", read.Events))
			break
		}
		if seenTokens[next] {
			// A service that hands back a token it gave before would loop forever.
			read.cut("CloudWatch Logs repeated a page token; stopped reading")
			break
		}
		seenTokens[next] = true
		in.NextToken = aws.String(next)
	}
	return read, nil
}

func (r *LogRead) cut(why string) {
	r.Truncated = true
	r.Note = fmt.Sprintf("%s: %s; the evidence covers only what was read", r.LogGroup, why)
}

func (c *Client) logGroupARN(group string) string {
	return fmt.Sprintf("arn:aws:logs:%s:*:log-group:%s:*", c.region, group)
}
