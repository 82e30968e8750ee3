import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';

import { ENVIRONMENT_NAMES, ROUND_UPDATE_TAG, selectConfig, type OnsiteConfig } from '../config.js';
import { createTestApp, listNagErrors, type NagError } from '../test-support/synthesize.js';
import { ArtifactsStack } from './artifacts-stack.js';

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, unknown> };

describe.each(ENVIRONMENT_NAMES)('artifacts stack (%s)', (envName) => {
  let config: OnsiteConfig;
  let template: Template;
  let consumerTemplate: Template;
  let nagErrors: NagError[];
  let artifactsBucket: Record<string, unknown>;

  beforeAll(() => {
    // The schema validation runs in onsite-app.test.ts, on every stack.
    const app = createTestApp({ validateTemplates: false });
    config = selectConfig(envName);
    const env = { account: config.account, region: config.region };
    const stack = new ArtifactsStack(app, 'Artifacts', { config, env });

    // A role in another stack, granted as the functions are, to check the grant's statements.
    const consumer = new Stack(app, 'Consumer', { env });
    const role = new Role(consumer, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    stack.grantObjectReadWrite(role);

    template = Template.fromStack(stack);
    consumerTemplate = Template.fromStack(consumer);
    nagErrors = listNagErrors(app);

    const buckets = template.findResources('AWS::S3::Bucket', {
      Properties: { BucketName: stack.bucketName },
    });
    const [bucket] = Object.values(buckets);
    if (bucket === undefined) {
      throw new Error(`No bucket named ${stack.bucketName} in ${JSON.stringify(Object.keys(template.toJSON().Resources))}`);
    }
    artifactsBucket = bucket.Properties as Record<string, unknown>;
  });

  it('passes AwsSolutions checks', () => {
    expect(nagErrors).toEqual([]);
  });

  it('encrypts artifacts with a rotated customer key', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    expect(artifactsBucket.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        {
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: expect.anything() },
        },
      ],
    });
  });

  it('blocks every form of public access on both buckets', () => {
    template.allResourcesProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
  });

  it('denies requests without TLS 1.2 on both buckets', () => {
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));
    expect(policies).toHaveLength(2);

    for (const policy of policies) {
      const statements = policy.Properties.PolicyDocument.Statement as Statement[];
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
      );
    }
  });

  it('versions artifacts and logs access to the log bucket', () => {
    expect(artifactsBucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(artifactsBucket.LoggingConfiguration).toEqual({
      DestinationBucketName: expect.anything(),
      LogFilePrefix: 'artifacts/',
    });
  });

  it('expires round updates, old versions and stalled uploads', () => {
    const { Rules: rules } = artifactsBucket.LifecycleConfiguration as { Rules: Record<string, unknown>[] };
    const { artifacts } = config;

    expect(rules).toContainEqual(
      expect.objectContaining({
        Status: 'Enabled',
        TagFilters: [{ Key: ROUND_UPDATE_TAG.key, Value: ROUND_UPDATE_TAG.value }],
        ExpirationInDays: artifacts.roundUpdateExpirationDays,
      }),
    );
    expect(rules).toContainEqual(
      expect.objectContaining({
        Status: 'Enabled',
        NoncurrentVersionExpiration: { NoncurrentDays: artifacts.noncurrentVersionExpirationDays },
      }),
    );
    expect(rules).toContainEqual(
      expect.objectContaining({ Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: artifacts.incompleteMultipartUploadDays } }),
    );
  });

  it('allows CORS only for PUT and GET from configured origins', () => {
    const origins = config.artifacts.corsAllowedOrigins;
    if (origins.length === 0) {
      expect(artifactsBucket.CorsConfiguration).toBeUndefined();
      return;
    }

    expect(artifactsBucket.CorsConfiguration).toEqual({
      CorsRules: [
        expect.objectContaining({
          AllowedMethods: ['PUT', 'GET'],
          AllowedOrigins: origins,
          AllowedHeaders: expect.arrayContaining(['content-type', 'x-amz-checksum-sha256', 'x-amz-tagging']),
          ExposedHeaders: expect.arrayContaining(['ETag']),
        }),
      ],
    });
  });

  it('retains data on stack deletion only in prod', () => {
    const policy = envName === 'prod' ? 'Retain' : 'Delete';
    template.hasResource('AWS::S3::Bucket', { Properties: Match.objectLike({ BucketName: artifactsBucket.BucketName }), DeletionPolicy: policy });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: policy });
  });

  it('grants object access on this bucket and key only', () => {
    const [policy] = Object.values(consumerTemplate.findResources('AWS::IAM::Policy'));
    const statements = policy?.Properties.PolicyDocument.Statement as Statement[];
    const bucketName = artifactsBucket.BucketName as string;

    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: expect.arrayContaining(['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload']),
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${bucketName}/*`]] },
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({ Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: { 'Fn::ImportValue': expect.any(String) } }),
    );
    for (const statement of statements) {
      expect(statement.Resource).not.toBe('*');
    }
  });
});
