package execute

import (
	"bytes"
	"encoding/json"
	"time"
)

// Event is one history event in the shape of GetExecutionHistory's
// HistoryEvent: {"timestamp","type","id","previousEventId","<kind>EventDetails":{...}}.
type Event struct {
	Timestamp       time.Time
	Type            string
	ID              int
	PreviousEventID int
	DetailsKey      string // "stateEnteredEventDetails", ...
	// Details is a map[string]any or one of the detail structs (StateDetails,
	// IterationDetails); input/output members hold JSON text, as AWS sends them.
	Details any
}

// jsonText is a value the history shows as a JSON string ("input",
// "output"); it is rendered only when the event is printed.
type jsonText struct{ v any }

// MarshalJSON renders the value as a JSON string holding its JSON text.
func (j jsonText) MarshalJSON() ([]byte, error) { return json.Marshal(MarshalJSON(j.v)) }

// MarshalJSON writes the event as GetExecutionHistory does.
func (e Event) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"timestamp":`)
	ts, _ := json.Marshal(e.Timestamp.UTC().Format("2006-01-02T15:04:05.000Z"))
	b.Write(ts)
	b.WriteString(`,"type":`)
	t, _ := json.Marshal(e.Type)
	b.Write(t)
	b.WriteString(`,"id":`)
	id, _ := json.Marshal(e.ID)
	b.Write(id)
	b.WriteString(`,"previousEventId":`)
	prev, _ := json.Marshal(e.PreviousEventID)
	b.Write(prev)
	if e.DetailsKey != "" {
		b.WriteString(`,`)
		k, _ := json.Marshal(e.DetailsKey)
		b.Write(k)
		b.WriteString(`:`)
		d, err := json.Marshal(e.Details)
		if err != nil {
			return nil, err
		}
		b.Write(d)
	}
	b.WriteString(`}`)
	return b.Bytes(), nil
}

// notTruncated is the shared {"truncated": false} of inputDetails and
// outputDetails (stepshift never truncates); events only read it.
var notTruncated = map[string]any{"truncated": false}

// StateDetails are stateEnteredEventDetails / stateExitedEventDetails.
type StateDetails struct {
	Name          string         `json:"name"`
	Input         any            `json:"input,omitempty"`
	InputDetails  map[string]any `json:"inputDetails,omitempty"`
	Output        any            `json:"output,omitempty"`
	OutputDetails map[string]any `json:"outputDetails,omitempty"`
}

// IterationDetails are mapIteration{Started,Succeeded,Failed}EventDetails.
type IterationDetails struct {
	Name  string `json:"name"`
	Index int    `json:"index"`
}
