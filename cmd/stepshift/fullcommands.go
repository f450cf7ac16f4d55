package main

import "github.com/urfave/cli/v2"

// The commands of the full build only (what `go build ./cmd/stepshift`
// makes). Each command's file adds its flags and action to these; the lean
// front (`-tags stepshift_lean`, make build's bin/stepshift) lists them
// with the same words and hands a run of one to stepshift-full
// (handoff_lean.go), so both builds' help reads the same.
var (
	migrateCommand = cli.Command{
		Name:      "migrate",
		Usage:     "move chosen Task states from Lambda to a Step Functions activity run on ECS, with the Terraform",
		ArgsUsage: "[DEPLOYMENT_DIR]",
		Description: "Prints a unified diff of every file it would change or create and a summary.\n" +
			"--write applies all of it atomically, --check exits 1 when a migration is pending,\n" +
			"--out DIR writes a migrated copy of the deployment. See docs/migrate.md.",
	}
	runCommand = cli.Command{
		Name:      "run",
		Usage:     "execute a workflow locally with mocked tasks, on virtual time",
		ArgsUsage: "WORKFLOW",
		Description: "Runs one execution of WORKFLOW (a .asl.json file, Terraform-templated or not) as Step Functions\n" +
			"would, with Task results from a Step Functions Local mock file. Exit 0 when the execution succeeds,\n" +
			"1 when it fails or times out, 2 for bad input. See docs/run.md.",
	}
	testCommand = cli.Command{
		Name:      "test",
		Usage:     "run the test cases of every <workflow>.test.json under PATH",
		ArgsUsage: "[PATH...]",
		Description: "Finds every *.test.json under each PATH (default .), runs each test case against the workflow\n" +
			"beside it with the case's mocks, and compares status, output, error/cause and path. Exit 1 when a\n" +
			"case fails, 2 for a bad test or mock file. See docs/run.md.",
	}
	workerCommand = cli.Command{
		Name:  "worker",
		Usage: "poll a Step Functions activity and run each task through a Lambda function's code (drop-in for cumulus-ecs-task)",
		UsageText: "stepshift worker --activity-arn ARN --lambda-arn ARN [options]\n" +
			"   stepshift worker --task-token-env NAME --input-env NAME [--parameters-env NAME] --lambda-arn ARN [options]\n" +
			"   cumulus-ecs-task --activityArn ARN --lambdaArn ARN [options]",
	}
)
