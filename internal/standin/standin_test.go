package standin

import (
	"net/http"
	"testing"
)

func TestMotoStarts(t *testing.T) {
	endpoint := Moto(t)
	resp, err := http.Get(endpoint + "/moto-api/")
	if err != nil {
		t.Fatalf("moto_server at %s does not answer: %v", endpoint, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("moto_server dashboard status %d", resp.StatusCode)
	}
}

func TestStepFunctionsLocalStarts(t *testing.T) {
	endpoint := StepFunctionsLocal(t)
	resp, err := http.Get(endpoint + "/")
	if err != nil {
		t.Fatalf("stepfunctions-local at %s does not answer: %v", endpoint, err)
	}
	resp.Body.Close()
}
