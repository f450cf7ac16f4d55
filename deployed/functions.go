package deployed

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// FunctionRef is a Lambda function as a Task or Terraform names it, split
// into the parts GetFunctionConfiguration takes.
type FunctionRef struct {
	Raw       string // as given
	Name      string // function name
	Qualifier string // version or alias, "" for $LATEST
	Account   string // from an ARN or partial ARN, "" otherwise
	Region    string // from a full ARN, "" otherwise
	Partition string // from a full ARN, "" otherwise
}

// ParseFunctionRef reads a function name, "name:qualifier", a partial ARN
// ("123456789012:function:name[:qualifier]") or a full ARN
// ("arn:aws:lambda:us-east-1:123456789012:function:name[:qualifier]").
func ParseFunctionRef(ref string) (FunctionRef, error) {
	r := FunctionRef{Raw: ref}
	s := strings.TrimSpace(ref)
	parts := strings.Split(s, ":")
	switch {
	case s == "":
		return r, fmt.Errorf("empty Lambda function reference")
	case parts[0] == "arn":
		if len(parts) < 7 || len(parts) > 8 || parts[2] != "lambda" || parts[5] != "function" {
			return r, fmt.Errorf("%q is not a Lambda function ARN (want arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER])", ref)
		}
		r.Partition, r.Region, r.Account, r.Name = parts[1], parts[3], parts[4], parts[6]
		if len(parts) == 8 {
			r.Qualifier = parts[7]
		}
	case len(parts) >= 3 && parts[1] == "function":
		if len(parts) > 4 {
			return r, fmt.Errorf("%q is not a Lambda function reference", ref)
		}
		r.Account, r.Name = parts[0], parts[2]
		if len(parts) == 4 {
			r.Qualifier = parts[3]
		}
	case len(parts) == 2 && parts[0] == "function":
		r.Name = parts[1]
	case len(parts) <= 2:
		r.Name = parts[0]
		if len(parts) == 2 {
			r.Qualifier = parts[1]
		}
	default:
		return r, fmt.Errorf("%q is not a Lambda function reference", ref)
	}
	if r.Name == "" || (len(parts) > 1 && strings.HasSuffix(s, ":")) {
		return r, fmt.Errorf("%q is not a Lambda function reference (empty name or qualifier)", ref)
	}
	// Lambda's own patterns: catching a bad name here saves a call and
	// gives a clearer message than AWS's validation error.
	if !validChars(r.Name, "-_") || len(r.Name) > 140 {
		return r, fmt.Errorf("%q: function name %q may only hold letters, digits, '-' and '_'", ref, r.Name)
	}
	if r.Qualifier != "" && !validChars(r.Qualifier, "-_$") {
		return r, fmt.Errorf("%q: qualifier %q may only hold letters, digits, '-', '_' and '$'", ref, r.Qualifier)
	}
	if r.Account != "" && (len(r.Account) != 12 || !validChars(r.Account, "") || strings.IndexFunc(r.Account, func(c rune) bool { return c < '0' || c > '9' }) >= 0) {
		return r, fmt.Errorf("%q: account %q is not a 12-digit AWS account ID", ref, r.Account)
	}
	if r.Region != "" && !validChars(r.Region, "-") || r.Partition != "" && !validChars(r.Partition, "-") {
		return r, fmt.Errorf("%q: malformed partition or region in the ARN", ref)
	}
	return r, nil
}

func validChars(s, extra string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(extra, c)) {
			return false
		}
	}
	return s != ""
}

// functionName is the FunctionName parameter: the unqualified ARN when the
// ref has an account (so another account's function is reached), else the name.
func (r FunctionRef) functionName() string {
	switch {
	case r.Region != "":
		return fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s", r.Partition, r.Region, r.Account, r.Name)
	case r.Account != "":
		return r.Account + ":function:" + r.Name
	}
	return r.Name
}

// key identifies a distinct function: two refs with the same key are the
// same function and share one call. A ref without a region is in the
// client's region.
func (r FunctionRef) key(region string) string {
	if r.Region != "" {
		region = r.Region
	}
	return region + "|" + r.Account + "|" + r.Name + "|" + r.Qualifier
}

// nameKey is key without the account, which a bare name does not say.
func (r FunctionRef) nameKey(region string) string {
	if r.Region != "" {
		region = r.Region
	}
	return region + "|" + r.Name + "|" + r.Qualifier
}

// Layer is one layer attached to a function.
type Layer struct {
	ARN      string
	CodeSize int64 // zipped bytes
}

// FunctionConfig is what Lambda says about a function's configuration.
type FunctionConfig struct {
	FunctionArn      string
	FunctionName     string
	Version          string
	MemorySize       int    // MB
	Timeout          int    // seconds
	EphemeralStorage int    // /tmp size in MB
	CodeSize         int64  // zipped deployment package bytes (0 for images)
	Runtime          string // "" for container images
	Handler          string
	PackageType      string // "Zip" or "Image"
	LastModified     string // as Lambda formats it: 2026-11-01T12:00:00.000+0000
	CodeSha256       string
	RevisionID       string
	Layers           []Layer
	// EnvironmentBytes is the size Lambda counts against its 4 KB limit:
	// the JSON of the variables map. Values are never kept.
	EnvironmentBytes int
	// LogGroup is where the function logs ("/aws/lambda/<name>" unless
	// its logging configuration names another group).
	LogGroup string
}

// TotalCodeSize is the zipped size of the package and every layer, the sum
// Lambda checks against 250 MB once unzipped.
func (f *FunctionConfig) TotalCodeSize() int64 {
	n := f.CodeSize
	for _, l := range f.Layers {
		n += l.CodeSize
	}
	return n
}

// FunctionResult is the outcome for one requested reference: Config or Err.
type FunctionResult struct {
	Ref    FunctionRef
	Config *FunctionConfig
	Err    error // *Error for AWS failures, a plain error for an unreadable ref
}

type configEntry struct {
	done   chan struct{}
	config *FunctionConfig
	err    error
}

// Functions fetches the configuration of every ref, in the order given.
// Each distinct function (name, qualifier and account) is asked for at most
// once per Client, with at most Options.Concurrency calls in flight; later
// asks reuse the answer. A bare name and an ARN or partial ARN with the same
// name and qualifier in the client's region count as one function (the
// account a bare name lives in is the credentials' own; a deployment that
// names same-named functions in several accounts should use ARNs throughout). Failures are per-function values; the error return
// is only for a cancelled context.
func (c *Client) Functions(ctx context.Context, refs []string) ([]FunctionResult, error) {
	results := make([]FunctionResult, len(refs))
	parsed := make([]FunctionRef, len(refs))
	for i, raw := range refs {
		r, err := ParseFunctionRef(raw)
		results[i] = FunctionResult{Ref: r, Err: err}
		parsed[i] = r
	}
	// A bare name and an ARN may name the same function: when exactly one
	// account-qualified form of a name is asked for, bare names use it.
	unique := map[string]FunctionRef{}
	ambiguous := map[string]bool{}
	for i, r := range parsed {
		if results[i].Err != nil || r.Account == "" {
			continue
		}
		k := r.nameKey(c.region)
		if prev, ok := unique[k]; ok && prev.key(c.region) != r.key(c.region) {
			ambiguous[k] = true
		}
		unique[k] = r
	}
	for i, r := range parsed {
		k := r.nameKey(c.region)
		if results[i].Err == nil && r.Account == "" && !ambiguous[k] {
			if full, ok := unique[k]; ok {
				full.Raw = r.Raw
				parsed[i] = full
			}
		}
	}

	var wg sync.WaitGroup
	entries := make([]*configEntry, len(refs))
	for i := range refs {
		if results[i].Err != nil {
			continue
		}
		entry, first := c.entry(parsed[i])
		entries[i] = entry
		if first {
			wg.Add(1)
			go func(r FunctionRef) {
				defer wg.Done()
				c.fetch(ctx, r, entry)
			}(parsed[i])
		}
	}
	wg.Wait()
	for i := range refs {
		if results[i].Err != nil {
			continue
		}
		entry := entries[i]
		select {
		case <-entry.done:
		case <-ctx.Done():
			return results, ctx.Err()
		}
		results[i].Config, results[i].Err = entry.config, entry.err
		if entry.err != nil && ctx.Err() == nil && (errors.Is(entry.err, context.Canceled) || errors.Is(entry.err, context.DeadlineExceeded)) {
			// Another caller's cancelled run fetched it; ask again for ours.
			again, err := c.Functions(ctx, refs[i:i+1])
			if err != nil {
				return results, err
			}
			results[i] = again[0]
		}
	}
	return results, ctx.Err()
}

// Function fetches one function's configuration (shared with Functions).
func (c *Client) Function(ctx context.Context, ref string) (*FunctionConfig, error) {
	res, err := c.Functions(ctx, []string{ref})
	if err != nil {
		return nil, err
	}
	return res[0].Config, res[0].Err
}

// Calls reports how many GetFunctionConfiguration calls this Client made
// (retries by the SDK not counted).
func (c *Client) Calls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls
}

// entry returns the shared entry for r, creating it (first == true) when
// nobody has asked for that function yet.
func (c *Client) entry(r FunctionRef) (e *configEntry, first bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e = c.configs[r.key(c.region)]; e != nil {
		return e, false
	}
	if r.Account == "" {
		// The same name was asked for (or answered) with its account earlier.
		if full, ok := c.byName[r.nameKey(c.region)]; ok {
			return c.configs[full], false
		}
	} else if _, ok := c.byName[r.nameKey(c.region)]; !ok {
		c.byName[r.nameKey(c.region)] = r.key(c.region)
	}
	e = &configEntry{done: make(chan struct{})}
	c.configs[r.key(c.region)] = e
	c.calls++
	return e, true
}

// alias files a bare name's answer under its account-qualified key too, so
// a later ask by ARN reuses it.
func (c *Client) alias(r FunctionRef, arn string, e *configEntry) {
	got, err := ParseFunctionRef(arn)
	if r.Account != "" || err != nil || got.Account == "" || got.Name != r.Name {
		return
	}
	full := FunctionRef{Name: r.Name, Qualifier: r.Qualifier, Account: got.Account, Region: r.Region}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.configs[full.key(c.region)] == nil {
		c.configs[full.key(c.region)] = e
	}
	if _, ok := c.byName[r.nameKey(c.region)]; !ok {
		c.byName[r.nameKey(c.region)] = full.key(c.region)
	}
}

func (c *Client) fetch(ctx context.Context, r FunctionRef, e *configEntry) {
	defer func() {
		close(e.done)
		// A cancelled run says nothing about the function: let a later
		// run ask again instead of remembering the cancellation.
		if e.err != nil && ctx.Err() != nil {
			c.mu.Lock()
			delete(c.configs, r.key(c.region))
			c.calls--
			c.mu.Unlock()
		}
	}()
	select {
	case c.sem <- struct{}{}:
		defer func() { <-c.sem }()
	case <-ctx.Done():
		e.err = ctx.Err()
		return
	}
	in := &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(r.functionName())}
	if r.Qualifier != "" {
		in.Qualifier = aws.String(r.Qualifier)
	}
	var optFns []func(*lambda.Options)
	if r.Region != "" && r.Region != c.region && c.opts.EndpointURL == "" {
		optFns = append(optFns, func(o *lambda.Options) { o.Region = r.Region })
	}
	out, err := c.lambda.GetFunctionConfiguration(ctx, in, optFns...)
	if err != nil {
		resource := r.arnForMessage(c.region)
		what := "Lambda function " + r.Name
		if r.Qualifier != "" {
			what += " (qualifier " + r.Qualifier + ")"
		}
		e.err = classify(err, "lambda:GetFunctionConfiguration", resource, what)
		return
	}
	cfg := &FunctionConfig{
		FunctionArn:  aws.ToString(out.FunctionArn),
		FunctionName: aws.ToString(out.FunctionName),
		Version:      aws.ToString(out.Version),
		MemorySize:   int(aws.ToInt32(out.MemorySize)),
		Timeout:      int(aws.ToInt32(out.Timeout)),
		CodeSize:     out.CodeSize,
		Runtime:      string(out.Runtime),
		Handler:      aws.ToString(out.Handler),
		PackageType:  string(out.PackageType),
		LastModified: aws.ToString(out.LastModified),
		CodeSha256:   aws.ToString(out.CodeSha256),
		RevisionID:   aws.ToString(out.RevisionId),
		LogGroup:     "/aws/lambda/" + r.Name,
	}
	if cfg.FunctionName == "" {
		cfg.FunctionName = r.Name
	}
	if out.EphemeralStorage != nil {
		cfg.EphemeralStorage = int(aws.ToInt32(out.EphemeralStorage.Size))
	} else {
		cfg.EphemeralStorage = 512 // Lambda's default, which older APIs omit
	}
	if cfg.PackageType == "" {
		cfg.PackageType = "Zip"
	}
	for _, l := range out.Layers {
		cfg.Layers = append(cfg.Layers, Layer{ARN: aws.ToString(l.Arn), CodeSize: l.CodeSize})
	}
	if out.Environment != nil {
		cfg.EnvironmentBytes = environmentBytes(out.Environment.Variables)
	}
	if out.LoggingConfig != nil && aws.ToString(out.LoggingConfig.LogGroup) != "" {
		cfg.LogGroup = aws.ToString(out.LoggingConfig.LogGroup)
	}
	e.config = cfg
	c.alias(r, cfg.FunctionArn, e)
}

// arnForMessage names the resource an IAM policy must allow, with the
// region filled in and "*" for an account the ref does not say.
func (r FunctionRef) arnForMessage(region string) string {
	partition, reg, account := r.Partition, r.Region, r.Account
	if partition == "" {
		partition = "aws"
	}
	if reg == "" {
		reg = region
	}
	if account == "" {
		account = "*"
	}
	arn := fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s", partition, reg, account, r.Name)
	if r.Qualifier != "" {
		arn += ":" + r.Qualifier
	}
	return arn
}

// environmentBytes measures the variables as Lambda does for its 4 KB
// limit: the serialized map {"K":"V",...}.
func environmentBytes(vars map[string]string) int {
	if len(vars) == 0 {
		return 0
	}
	n := 2 // {}
	first := true
	for k, v := range vars {
		if !first {
			n++ // ,
		}
		first = false
		n += len(k) + len(v) + 5 // "k":"v"
	}
	return n
}
