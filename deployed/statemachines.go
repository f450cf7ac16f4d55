package deployed

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// StateMachine is one deployed Step Functions state machine.
type StateMachine struct {
	Name       string
	ARN        string
	Type       string // "STANDARD" or "EXPRESS"
	Definition string // the ASL JSON exactly as deployed
	RoleARN    string
	Created    time.Time
	Err        error // per-machine failure (*Error); the other fields except Name/ARN are empty then
}

// StateMachines returns the deployed state machine arnOrNamePrefix names:
// for an ARN (arn:...:stateMachine:NAME) DescribeStateMachine on it; for
// anything else every state machine whose name starts with it
// (ListStateMachines, paged), each described, at most Options.Concurrency at
// once, sorted by name. A machine that cannot be described carries Err; the
// error return is for a failed listing or an ARN that cannot be described.
func (c *Client) StateMachines(ctx context.Context, arnOrNamePrefix string) ([]*StateMachine, error) {
	if strings.HasPrefix(arnOrNamePrefix, "arn:") {
		m := c.describe(ctx, arnOrNamePrefix)
		if m.Err != nil {
			return nil, m.Err
		}
		return []*StateMachine{m}, nil
	}
	var arns []string
	p := sfn.NewListStateMachinesPaginator(c.sfn, &sfn.ListStateMachinesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, classify(err, "states:ListStateMachines", "*", "the state machine list")
		}
		for _, item := range page.StateMachines {
			if strings.HasPrefix(aws.ToString(item.Name), arnOrNamePrefix) {
				arns = append(arns, aws.ToString(item.StateMachineArn))
			}
		}
	}
	machines := make([]*StateMachine, len(arns))
	var wg sync.WaitGroup
	for i, arn := range arns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case c.sem <- struct{}{}:
				defer func() { <-c.sem }()
			case <-ctx.Done():
				machines[i] = &StateMachine{ARN: arn, Name: nameFromARN(arn), Err: ctx.Err()}
				return
			}
			machines[i] = c.describe(ctx, arn)
		}()
	}
	wg.Wait()
	// ListStateMachines already returns names in order; keep it stable anyway.
	sortMachines(machines)
	return machines, ctx.Err()
}

func (c *Client) describe(ctx context.Context, arn string) *StateMachine {
	m := &StateMachine{ARN: arn, Name: nameFromARN(arn)}
	out, err := c.sfn.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
	if err != nil {
		m.Err = classify(err, "states:DescribeStateMachine", arn, "state machine "+m.Name)
		return m
	}
	m.Name = aws.ToString(out.Name)
	m.ARN = aws.ToString(out.StateMachineArn)
	m.Type = string(out.Type)
	m.Definition = aws.ToString(out.Definition)
	m.RoleARN = aws.ToString(out.RoleArn)
	if out.CreationDate != nil {
		m.Created = *out.CreationDate
	}
	return m
}

func nameFromARN(arn string) string {
	parts := strings.Split(arn, ":")
	for i, p := range parts {
		if p == "stateMachine" && i+1 < len(parts) {
			return parts[i+1]
		}
	}
	return arn
}

func sortMachines(ms []*StateMachine) {
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && ms[j].Name < ms[j-1].Name; j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
}

// SaveDefinitions writes each machine's definition to <dir>/<name>.asl.json
// (temp file in dir, then rename) and returns the paths in the same order,
// "" for a machine without a definition (Err set). Lint positions then refer
// to these files. dir is created when missing.
func SaveDefinitions(dir string, machines []*StateMachine) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	paths := make([]string, len(machines))
	var errs []error
	for i, m := range machines {
		if m == nil || m.Err != nil || m.Definition == "" {
			continue
		}
		path := filepath.Join(dir, safeFileName(m.Name)+".asl.json")
		if err := writeFileAtomic(path, []byte(m.Definition)); err != nil {
			errs = append(errs, fmt.Errorf("saving %s: %w", m.Name, err))
			continue
		}
		paths[i] = path
	}
	return paths, errors.Join(errs...)
}

// safeFileName keeps the characters Step Functions allows in names that are
// also safe in file names, so a name can never escape dir.
func safeFileName(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := strings.Trim(b.String(), ".")
	if s == "" {
		s = "state-machine"
	}
	return s
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
