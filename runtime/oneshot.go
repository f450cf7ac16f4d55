package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Error names of a one-shot task whose handover itself is unusable. They
// are answered like handler errors, so the workflow's Catch sees them.
const (
	// ErrInvalidInput: the input variable is not JSON (unset, or cut short).
	ErrInvalidInput = "Worker.InvalidInput"
	// ErrParameters: the state's Parameters could not be applied to the
	// input, as Step Functions itself would have failed the state.
	ErrParameters = "States.Runtime"
)

// OneShotTask is a task Step Functions handed to this process directly, as
// `ecs:runTask.waitForTaskToken` does through container overrides, rather
// than through an activity poll.
type OneShotTask struct {
	Token string // the task token ($$.Task.Token)
	Input []byte // the state's effective input (States.JsonToString($))
	// Parameters is the state's original Parameters template, applied to
	// Input here because the state's own Parameters now hold the ECS
	// request; nil when the state had none.
	Parameters []byte
}

// RunOnce runs one handed-over task through the same slot, heartbeats and
// answer as a polled task, and returns nil once Step Functions accepted the
// answer, a handler failure included: the task failed, not the worker. It
// returns an error only when the outcome could not be reported. After ctx
// is cancelled (SIGTERM) the task gets StopTimeout to finish, then is
// failed with Worker.ShuttingDown, as in Run.
func (w *Worker) RunOnce(ctx context.Context, t OneShotTask) error {
	if t.Token == "" {
		return errors.New("no task token: nothing to answer")
	}
	if w.cfg.SFN == nil {
		return errors.New("no Step Functions client")
	}
	hard, finished := w.graceful(ctx, "stop requested: the task gets until the stop timeout")
	defer finished()
	log := w.log.With("task", tokenRef(t.Token))
	log.Info("one-shot task received", "inputBytes", len(t.Input))
	input := bytes.TrimSpace(t.Input)
	if !json.Valid(input) {
		return w.answer(hard, t.Token, log, &Result{Error: ErrInvalidInput,
			Cause: causeJSON(ErrInvalidInput, fmt.Sprintf("the task's input (%d bytes) is not JSON; the container override did not carry it whole", len(t.Input)))})
	}
	if t.Parameters != nil {
		applied, err := ApplyParameters(t.Parameters, input)
		if err != nil {
			return w.answer(hard, t.Token, log, &Result{Error: ErrParameters, Cause: causeJSON(ErrParameters, err.Error())})
		}
		input = applied
	}
	if err := w.runTask(hard, w.slots[0], t.Token, input); err != nil {
		return fmt.Errorf("task %s not answered: %w", tokenRef(t.Token), err)
	}
	return nil
}

// ApplyParameters evaluates a Task state's Parameters template against the
// state's input, as Step Functions does before invoking a Lambda: a key
// ending in ".$" takes the value its path selects (without the suffix),
// everything else is copied, keys keep their order and selected values
// keep their bytes. Paths are "$" and plain member paths ("$.a.b"), the
// forms `stepshift migrate` accepts; anything else is an error.
func ApplyParameters(template, input []byte) ([]byte, error) {
	// Selected values are spliced in as bytes, so input that is not JSON
	// would make output that is not JSON either.
	if !json.Valid(input) {
		return nil, errors.New("the state input is not valid JSON")
	}
	dec := json.NewDecoder(bytes.NewReader(template))
	dec.UseNumber()
	var out bytes.Buffer
	if err := applyValue(dec, &out, input); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("the Parameters template has data after its value")
	}
	return out.Bytes(), nil
}

func applyValue(dec *json.Decoder, out *bytes.Buffer, input []byte) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("the Parameters template is not JSON: %v", err)
	}
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			out.WriteByte('{')
			for i := 0; dec.More(); i++ {
				kt, err := dec.Token()
				if err != nil {
					return fmt.Errorf("the Parameters template is not JSON: %v", err)
				}
				key := kt.(string)
				if i > 0 {
					out.WriteByte(',')
				}
				if name, ok := strings.CutSuffix(key, ".$"); ok {
					pt, err := dec.Token()
					path, isString := pt.(string)
					if err != nil || !isString {
						return fmt.Errorf("the value of field %q must be a path string", key)
					}
					val, err := selectPath(input, path)
					if err != nil {
						return fmt.Errorf("the JSONPath %q specified for the field %q %v", path, key, err)
					}
					writeString(out, name)
					out.WriteByte(':')
					out.Write(val)
					continue
				}
				writeString(out, key)
				out.WriteByte(':')
				if err := applyValue(dec, out, input); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil {
				return fmt.Errorf("the Parameters template is not JSON: %v", err)
			}
			out.WriteByte('}')
		case '[':
			out.WriteByte('[')
			for i := 0; dec.More(); i++ {
				if i > 0 {
					out.WriteByte(',')
				}
				if err := applyValue(dec, out, input); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil {
				return fmt.Errorf("the Parameters template is not JSON: %v", err)
			}
			out.WriteByte(']')
		}
	case string:
		writeString(out, v)
	case json.Number:
		out.WriteString(v.String())
	case bool:
		out.WriteString(fmt.Sprint(v))
	case nil:
		out.WriteString("null")
	}
	return nil
}

// writeString quotes s as JSON without HTML escaping, so text such as
// "a<b" reaches the handler as Step Functions would write it.
func writeString(out *bytes.Buffer, s string) {
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	out.Truncate(out.Len() - 1) // Encode's newline
}

// selectPath returns the bytes of the value path selects in input.
func selectPath(input []byte, path string) (json.RawMessage, error) {
	if path == "$" {
		return input, nil
	}
	rest, ok := strings.CutPrefix(path, "$.")
	if !ok || rest == "" {
		return nil, errors.New("is not a plain path ($ or $.a.b)")
	}
	cur := json.RawMessage(input)
	for _, seg := range strings.Split(rest, ".") {
		if seg == "" || strings.ContainsAny(seg, "[]*()?@'\" ") {
			return nil, errors.New("is not a plain path ($ or $.a.b)")
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(cur, &obj); err != nil || obj == nil {
			return nil, fmt.Errorf("could not be found in the input (%s is not an object)", seg)
		}
		next, ok := obj[seg]
		if !ok {
			return nil, errors.New("could not be found in the input")
		}
		cur = next
	}
	return cur, nil
}
