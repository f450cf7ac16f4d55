package runtime

// The test bootstraps under testdata/handlers are built with this module's
// go.mod, which go mod tidy does not read testdata for; importing the
// library here keeps github.com/aws/aws-lambda-go required.
import (
	_ "github.com/aws/aws-lambda-go/lambda"
	_ "github.com/aws/aws-lambda-go/lambdacontext"
)
