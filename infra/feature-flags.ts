// CDK feature flags, set in code so that the CLI and the tests synthesise the same templates.
export const FEATURE_FLAGS: Record<string, unknown> = {
  // Grant S3 log delivery through the log bucket's policy rather than a legacy ACL, which
  // buckets with ObjectOwnership BucketOwnerEnforced reject.
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
  // Merge the statements of a policy that differ only by resource or action.
  '@aws-cdk/aws-iam:minimizePolicies': true,
  // Fail synthesis when a secret's value would be written into a template in clear.
  '@aws-cdk/core:checkSecretUsage': true,
  '@aws-cdk/aws-rds:lowercaseDbIdentifier': true,
  // A consuming stack's reference blocks deleting what it uses from the producing stack.
  '@aws-cdk/core:defaultCrossStackReferences': 'strong',
};
