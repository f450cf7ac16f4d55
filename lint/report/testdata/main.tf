resource "aws_lambda_function" "x" {
  memory_size = 12000
}
