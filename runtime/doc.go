// Package runtime is `stepshift worker`: a Step Functions activity worker
// that runs a Lambda function's own code through the Lambda Runtime API, so
// any Lambda runtime (provided.al2023, nodejs, python, ...) works unchanged.
//
// The pieces, one file each:
//   - fetch.go: GetFunction → download Code.Location → CodeSize and SHA-256
//     (both required) → extract; layers. Presigned URLs' queries are never
//     logged or returned.
//   - extract.go: zip extraction that cannot leave its root (zip-slip,
//     symlinks resolved through each other with the root as the boundary,
//     zip bombs counted while writing, not from headers).
//   - runtimeapi.go: one Runtime API server and one bootstrap process per
//     concurrency slot, kept warm, restarted after a crash, timeout or OOM.
//   - worker.go: the poll → invoke → answer loop, heartbeats, reload, shutdown.
//   - oneshot.go: one task handed over through the environment
//     (ecs:runTask.waitForTaskToken) run through the same invoke → answer
//     path, and the state's Parameters applied to its input.
//   - report.go and logging.go: the Lambda-style REPORT line and JSON logs.
package runtime
