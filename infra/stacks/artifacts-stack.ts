// The S3 bucket for model weights, compiled ONNX graphs and round updates. Gateways upload and
// download through presigned URLs, so the bucket is private, KMS-encrypted and TLS-only.
import { Aws, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { Effect, PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  HttpMethods,
  ObjectOwnership,
  type CorsRule,
} from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

import { ROUND_UPDATE_TAG, type ArtifactsConfig, type OnsiteConfig } from '../config.js';

export interface ArtifactsStackProps extends StackProps {
  readonly config: OnsiteConfig;
}

// Request headers a browser sends with a presigned PUT: the signed content type, the SHA-256
// checksum that S3 verifies, the round-update tag, and the encryption headers when the signer
// includes them.
const PRESIGNED_UPLOAD_HEADERS = [
  'content-type',
  'x-amz-tagging',
  'content-md5',
  'x-amz-checksum-sha256',
  'x-amz-sdk-checksum-algorithm',
  'x-amz-server-side-encryption',
  'x-amz-server-side-encryption-aws-kms-key-id',
];

// Multipart uploads read each part's ETag to complete the upload.
const EXPOSED_HEADERS = ['ETag', 'x-amz-version-id'];

// The object actions of the blob store. S3 checks a presigned request against the signer's
// permissions when the request arrives, so these also cover gateways' uploads and downloads.
// Tagging a new object (the round-update tag) needs PutObjectTagging on top of PutObject.
const OBJECT_ACTIONS = [
  's3:GetObject',
  's3:PutObject',
  's3:PutObjectTagging',
  's3:DeleteObject',
  's3:AbortMultipartUpload',
  's3:ListMultipartUploadParts',
];

// SSE-KMS: writing generates a data key, reading (and completing a multipart upload) decrypts it.
const KEY_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey'];

function buildCorsRules(artifacts: ArtifactsConfig): CorsRule[] | undefined {
  if (artifacts.corsAllowedOrigins.length === 0) {
    return undefined;
  }

  return [
    {
      allowedMethods: [HttpMethods.PUT, HttpMethods.GET],
      allowedOrigins: [...artifacts.corsAllowedOrigins],
      allowedHeaders: PRESIGNED_UPLOAD_HEADERS,
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: 3600,
    },
  ];
}

export class ArtifactsStack extends Stack {
  readonly bucket: Bucket;
  readonly key: Key;
  /**
   * Name and ARN of the artifacts bucket as plain strings. The name is fixed (S3 names are
   * global, so it ends with the account and region) so that other stacks and cdk-nag findings
   * can name the bucket without a cross-stack reference.
   */
  readonly bucketName: string;
  readonly bucketArn: string;

  constructor(scope: Construct, id: string, props: ArtifactsStackProps) {
    super(scope, id, props);
    const { artifacts } = props.config;
    const removalPolicy = artifacts.retainOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    this.bucketName = `${props.config.stackPrefix.toLowerCase()}-artifacts-${props.config.account}-${props.config.region}`;
    this.bucketArn = `arn:${Aws.PARTITION}:s3:::${this.bucketName}`;

    this.key = new Key(this, 'ArtifactsKey', {
      description: 'Encrypts Onsite artifacts: model weights, ONNX graphs and round updates',
      enableKeyRotation: true,
      removalPolicy,
    });

    // S3 server access logs can only be delivered to a bucket encrypted with S3-managed keys.
    const accessLogs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      lifecycleRules: [
        { id: 'expire-access-logs', expiration: Duration.days(artifacts.accessLogExpirationDays) },
        {
          id: 'expire-noncurrent-access-logs',
          noncurrentVersionExpiration: Duration.days(artifacts.noncurrentVersionExpirationDays),
        },
      ],
      removalPolicy,
    });

    this.bucket = new Bucket(this, 'Artifacts', {
      bucketName: this.bucketName,
      encryption: BucketEncryption.KMS,
      encryptionKey: this.key,
      // One data key per bucket rather than per object keeps KMS requests, and their cost, low.
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'artifacts/',
      cors: buildCorsRules(artifacts),
      lifecycleRules: [
        {
          id: 'expire-round-updates',
          tagFilters: { [ROUND_UPDATE_TAG.key]: ROUND_UPDATE_TAG.value },
          expiration: Duration.days(artifacts.roundUpdateExpirationDays),
        },
        {
          id: 'expire-noncurrent-versions',
          noncurrentVersionExpiration: Duration.days(artifacts.noncurrentVersionExpirationDays),
        },
        {
          id: 'abort-incomplete-multipart-uploads',
          abortIncompleteMultipartUploadAfter: Duration.days(artifacts.incompleteMultipartUploadDays),
        },
      ],
      removalPolicy,
    });
  }

  /**
   * Grants reading, writing, deleting and presigning objects of the artifacts bucket, with the
   * KMS actions SSE-KMS needs. Deleting leaves the previous version, which a lifecycle rule
   * expires.
   */
  grantObjectReadWrite(role: IRole): void {
    const objectsArn = `${this.bucketArn}/*`;
    role.addToPrincipalPolicy(
      new PolicyStatement({ effect: Effect.ALLOW, actions: OBJECT_ACTIONS, resources: [objectsArn] }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${objectsArn.replace(Aws.PARTITION, '<AWS::Partition>')}]`,
      reason: 'Object keys are chosen at run time (organization, job, round and task ids), so the grant covers every object of this one bucket.',
    });

    // Without ListBucket, S3 returns 403 instead of 404 for a missing key.
    role.addToPrincipalPolicy(
      new PolicyStatement({ effect: Effect.ALLOW, actions: ['s3:ListBucket'], resources: [this.bucketArn] }),
    );

    role.addToPrincipalPolicy(
      new PolicyStatement({ effect: Effect.ALLOW, actions: KEY_ACTIONS, resources: [this.key.keyArn] }),
    );
  }
}
