"""The store: every AWS call of the product (DynamoDB, S3, SQS), one store per consumer.

Nothing above this package imports boto3 or botocore: the stores hand out domain types
and typed records, and raise `csinsights.errors` (AWS errors are translated in `aws`)."""
