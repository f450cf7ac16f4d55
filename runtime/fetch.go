package runtime

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// LambdaAPI is the part of the Lambda API the worker calls; *lambda.Client
// satisfies it.
type LambdaAPI interface {
	GetFunction(ctx context.Context, in *lambda.GetFunctionInput, opts ...func(*lambda.Options)) (*lambda.GetFunctionOutput, error)
	GetFunctionConfiguration(ctx context.Context, in *lambda.GetFunctionConfigurationInput, opts ...func(*lambda.Options)) (*lambda.GetFunctionConfigurationOutput, error)
	GetLayerVersionByArn(ctx context.Context, in *lambda.GetLayerVersionByArnInput, opts ...func(*lambda.Options)) (*lambda.GetLayerVersionByArnOutput, error)
}

// Function is what the worker needs to run a Lambda function's code the way
// Lambda would.
type Function struct {
	Name       string // function name without qualifier
	ARN        string // FunctionArn as Lambda reports it (qualified when a qualifier was asked for)
	Version    string // "$LATEST" or the version number
	Handler    string
	Runtime    string // "nodejs20.x", "provided.al2023", ... ("" for --bootstrap only)
	MemoryMB   int
	Timeout    time.Duration
	Env        map[string]string // the function's Environment.Variables
	CodeSha256 string            // base64, as Lambda reports it
	RevisionID string
	Layers     []string // layer version ARNs in order
}

// DefaultFunction is used when no function is fetched (--bootstrap with
// --lambda-input and no --lambda-arn): Lambda's own defaults.
func DefaultFunction(name string) *Function {
	if name == "" {
		name = "local"
	}
	return &Function{Name: name, ARN: name, Version: "$LATEST", MemoryMB: 128, Timeout: 3 * time.Second, Env: map[string]string{}}
}

func functionFromConfig(c *lambdatypes.FunctionConfiguration) *Function {
	f := &Function{
		Name:       aws.ToString(c.FunctionName),
		ARN:        aws.ToString(c.FunctionArn),
		Version:    aws.ToString(c.Version),
		Handler:    aws.ToString(c.Handler),
		Runtime:    string(c.Runtime),
		MemoryMB:   int(aws.ToInt32(c.MemorySize)),
		Timeout:    time.Duration(aws.ToInt32(c.Timeout)) * time.Second,
		CodeSha256: aws.ToString(c.CodeSha256),
		RevisionID: aws.ToString(c.RevisionId),
		Env:        map[string]string{},
	}
	if f.Version == "" {
		f.Version = "$LATEST"
	}
	if f.MemoryMB == 0 {
		f.MemoryMB = 128
	}
	if f.Timeout == 0 {
		f.Timeout = 3 * time.Second
	}
	if c.Environment != nil {
		for k, v := range c.Environment.Variables {
			f.Env[k] = v
		}
	}
	for _, l := range c.Layers {
		f.Layers = append(f.Layers, aws.ToString(l.Arn))
	}
	return f
}

// Fetcher downloads a function's code and layers the way Lambda's own
// control plane hands them out: a presigned URL from GetFunction /
// GetLayerVersionByArn, checked against CodeSize and CodeSha256 (both
// required: code Lambda does not vouch for is not run).
type Fetcher struct {
	Lambda   LambdaAPI
	HTTP     *http.Client // downloads; nil means a client with a 5-minute timeout
	WorkDir  string       // where archives are downloaded before extraction
	Logger   *slog.Logger
	MaxZip   int64         // largest archive accepted; 0 means MaxUnzippedBytes
	Attempts int           // download attempts on 5xx/timeouts; 0 means 4
	Backoff  time.Duration // first retry delay; 0 means 500ms
}

// FetchError is a problem with the function or its code as AWS describes it
// (an Image package, a checksum mismatch, a URL that keeps failing): the user
// must fix the function or the permissions, retrying will not help.
type FetchError struct{ Msg string }

// Error says what is wrong with the function or its code.
func (e *FetchError) Error() string { return e.Msg }

func fetchErrorf(format string, args ...any) error {
	return &FetchError{Msg: fmt.Sprintf(format, args...)}
}

// Fetch resolves function (name, ARN, or either with a qualifier) and
// downloads its code into taskRoot, which must exist and be empty. It returns
// the function and the unzipped bytes the code used of the 250 MB budget;
// layers are fetched by FetchLayers.
func (fe *Fetcher) Fetch(ctx context.Context, function, taskRoot string) (*Function, int64, error) {
	out, err := fe.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(function)})
	if err != nil {
		return nil, 0, fmt.Errorf("lambda:GetFunction %s: %w", function, err)
	}
	if out.Configuration == nil || out.Code == nil {
		return nil, 0, fetchErrorf("lambda:GetFunction %s: answer without Configuration or Code", function)
	}
	fn := functionFromConfig(out.Configuration)
	if pt := out.Configuration.PackageType; pt != "" && pt != lambdatypes.PackageTypeZip {
		return nil, 0, fetchErrorf("function %s has PackageType %s: stepshift worker runs Zip packages only; build the worker image FROM the function's image instead", fn.Name, pt)
	}
	want := codeFacts{sha256: fn.CodeSha256, size: out.Configuration.CodeSize, source: "lambda:GetFunction"}
	used, err := fe.download(ctx, "function "+fn.Name, aws.ToString(out.Code.Location), want, taskRoot, MaxUnzippedBytes, func(ctx context.Context) (string, error) {
		again, err := fe.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(function)})
		if err != nil {
			return "", err
		}
		if again.Code == nil {
			return "", fetchErrorf("lambda:GetFunction %s: answer without Code", function)
		}
		return aws.ToString(again.Code.Location), nil
	})
	if err != nil {
		return nil, used, err
	}
	return fn, used, nil
}

// FetchLayers extracts layers, in order, into layerRoot: later layers
// overwrite earlier ones, as Lambda stacks them in /opt. budget is what is
// left of the 250 MB after the function's own code.
func (fe *Fetcher) FetchLayers(ctx context.Context, layers []string, layerRoot string, budget int64) error {
	if len(layers) == 0 {
		return nil
	}
	if err := os.MkdirAll(layerRoot, 0o755); err != nil {
		return err
	}
	for _, arn := range layers {
		used, err := fe.fetchLayer(ctx, arn, layerRoot, budget)
		if err != nil {
			return err
		}
		budget -= used
	}
	return nil
}

func (fe *Fetcher) fetchLayer(ctx context.Context, arn, layerRoot string, budget int64) (int64, error) {
	get := func(ctx context.Context) (*lambdatypes.LayerVersionContentOutput, error) {
		out, err := fe.Lambda.GetLayerVersionByArn(ctx, &lambda.GetLayerVersionByArnInput{Arn: aws.String(arn)})
		if err != nil {
			return nil, fmt.Errorf("lambda:GetLayerVersion %s: %w", arn, err)
		}
		if out.Content == nil {
			return nil, fetchErrorf("lambda:GetLayerVersion %s: answer without Content", arn)
		}
		return out.Content, nil
	}
	content, err := get(ctx)
	if err != nil {
		return 0, err
	}
	want := codeFacts{sha256: aws.ToString(content.CodeSha256), size: content.CodeSize, source: "lambda:GetLayerVersion"}
	return fe.download(ctx, "layer "+arn, aws.ToString(content.Location), want, layerRoot, budget, func(ctx context.Context) (string, error) {
		c, err := get(ctx)
		if err != nil {
			return "", err
		}
		return aws.ToString(c.Location), nil
	})
}

// codeFacts is what Lambda says about an archive, which the download must
// match: CodeSha256 (base64) and CodeSize (bytes), from source.
type codeFacts struct {
	sha256 string
	size   int64
	source string
}

// download fetches url into a temp file in WorkDir, checks its size and
// SHA-256 against want and extracts it under root. Both checks are
// mandatory: code Lambda does not vouch for is not run. refresh asks AWS for
// a new presigned URL: they expire after 10 minutes, so a 403 is answered by
// asking once more. The URL's query string (the presigned credentials) is
// never logged nor put in an error.
func (fe *Fetcher) download(ctx context.Context, what, url string, want codeFacts, root string, budget int64, refresh func(context.Context) (string, error)) (int64, error) {
	if url == "" {
		return 0, fetchErrorf("%s: no code location (Code.Location is empty)", what)
	}
	if want.sha256 == "" {
		return 0, fetchErrorf("%s: %s reported no CodeSha256, so the downloaded code cannot be verified: refusing to run it", what, want.source)
	}
	if want.size <= 0 {
		return 0, fetchErrorf("%s: %s reported no CodeSize, so the downloaded code cannot be verified: refusing to run it", what, want.source)
	}
	if err := os.MkdirAll(fe.WorkDir, 0o755); err != nil {
		return 0, err
	}
	tmp, err := os.CreateTemp(fe.WorkDir, ".code-*.zip")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()

	attempts := fe.Attempts
	if attempts <= 0 {
		attempts = 4
	}
	delay := fe.Backoff
	if delay <= 0 {
		delay = 500 * time.Millisecond
	}
	refreshed := false
	var sum []byte
	var size int64
	for attempt := 1; ; attempt++ {
		var retry bool
		sum, size, retry, err = fe.get(ctx, url, tmp)
		if err == nil {
			break
		}
		err = redactError(err, url)
		var se *statusError
		if errors.As(err, &se) && se.code == http.StatusForbidden && !refreshed && refresh != nil {
			refreshed = true
			fe.log().Info("code URL refused (expired?), asking Lambda for a new one", "what", what)
			if url, err = refresh(ctx); err != nil {
				return 0, err
			}
			attempt--
			continue
		}
		if !retry || attempt >= attempts {
			return 0, fetchErrorf("download %s: %v", what, err)
		}
		wait := delay<<(attempt-1) + rand.N(delay)
		fe.log().Warn("code download failed, retrying", "what", what, "error", err.Error(), "attempt", attempt, "wait_ms", wait.Milliseconds())
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(wait):
		}
	}
	if size != want.size {
		return 0, fetchErrorf("%s: downloaded %d bytes, %s says CodeSize %d: refusing to run it", what, size, want.source, want.size)
	}
	if got := base64.StdEncoding.EncodeToString(sum); got != want.sha256 {
		return 0, fetchErrorf("%s: SHA-256 of the downloaded code is %s, %s says %s: refusing to run it", what, got, want.source, want.sha256)
	}
	zr, err := zip.NewReader(tmp, size)
	if err != nil {
		return 0, fetchErrorf("%s: not a valid zip: %v", what, err)
	}
	stats, err := ExtractZip(zr, root, budget)
	if err != nil {
		var xe *ExtractError
		if errors.As(err, &xe) {
			return stats.Bytes, fetchErrorf("%s: %v", what, err)
		}
		return stats.Bytes, err
	}
	fe.log().Info("code extracted", "what", what, "files", stats.Files, "bytes", stats.Bytes, "root", root)
	return stats.Bytes, nil
}

type statusError struct{ code int }

func (e *statusError) Error() string { return fmt.Sprintf("HTTP %d", e.code) }

// redactURL keeps a URL's scheme, host and path and hides the rest: the query
// of a presigned URL holds X-Amz-Security-Token and X-Amz-Signature, which
// must never reach a log line or an error.
func redactURL(raw string) string {
	if u, err := neturl.Parse(raw); err == nil && u.Scheme != "" {
		hidden := u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.User != nil
		u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment, u.User = "", false, "", "", nil
		if hidden {
			return u.String() + "?<redacted>"
		}
		return u.String()
	}
	// Not a URL net/url can read: keep what comes before any query or
	// fragment, which is all a presigned URL's secrets are in.
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		return raw[:i] + "?<redacted>"
	}
	return raw
}

// redactError returns err without rawURL's secrets in it: a *url.Error (what
// net/http returns, quoting the whole URL) gets its URL redacted, keeping its
// type and what it wraps so callers can still tell a timeout; and any text
// still holding the URL's query is replaced by one that does not.
func redactError(err error, rawURL string) error {
	if err == nil {
		return nil
	}
	if ue, ok := err.(*neturl.Error); ok && ue.URL != redactURL(ue.URL) {
		// A copy: the caller's value is left alone.
		err = &neturl.Error{Op: ue.Op, URL: redactURL(ue.URL), Err: ue.Err}
	}
	// A query this short holds no credential; cutting it out of the text
	// would only garble the message.
	if secret := urlSecret(rawURL); len(secret) >= 8 && strings.Contains(err.Error(), secret) {
		return &redactedError{msg: strings.ReplaceAll(err.Error(), secret, "<redacted>"), err: err}
	}
	return err
}

// urlSecret is the part of rawURL after its path: the query (and fragment).
func urlSecret(rawURL string) string {
	if i := strings.IndexAny(rawURL, "?#"); i >= 0 && i+1 < len(rawURL) {
		return rawURL[i+1:]
	}
	return ""
}

// redactedError is an error whose text had a URL's secrets cut out. It does
// not unwrap (the wrapped value's text holds the secret) but still answers
// errors.Is for what it wraps, such as context.Canceled.
type redactedError struct {
	msg string
	err error
}

// Error is the redacted text.
func (e *redactedError) Error() string { return e.msg }

// Is reports whether the wrapped error is target.
func (e *redactedError) Is(target error) bool { return errors.Is(e.err, target) }

// get downloads url into f (truncating it) and returns the SHA-256 and size;
// retry says whether another attempt could succeed (5xx, timeouts, resets).
func (fe *Fetcher) get(ctx context.Context, url string, f *os.File) (sum []byte, size int64, retry bool, err error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, 0, false, err
	}
	if err := f.Truncate(0); err != nil {
		return nil, 0, false, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, 0, false, redactError(err, url)
	}
	client := fe.HTTP
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Minute}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, transient(err), redactError(err, url)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, 0, resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests, &statusError{resp.StatusCode}
	}
	limit := fe.MaxZip
	if limit <= 0 {
		limit = MaxUnzippedBytes
	}
	if resp.ContentLength > limit {
		return nil, 0, false, fmt.Errorf("archive is %d bytes, more than the %d-byte limit", resp.ContentLength, limit)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, 0, transient(err), redactError(err, url)
	}
	if n > limit {
		return nil, 0, false, fmt.Errorf("archive is more than the %d-byte limit", limit)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return nil, 0, true, fmt.Errorf("short body: %d of %d bytes", n, resp.ContentLength)
	}
	return h.Sum(nil), n, false, nil
}

// transient reports network errors worth another attempt.
func transient(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || strings.Contains(err.Error(), "connection reset")
}

func (fe *Fetcher) log() *slog.Logger {
	if fe.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return fe.Logger
}

// sameDirTemp makes an empty folder beside dir, so a finished extraction can
// replace dir with one rename.
func sameDirTemp(dir string) (string, error) {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", err
	}
	return os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".new-*")
}
