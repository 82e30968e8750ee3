// Background work: the aggregator consumes one SQS message per submitted result, and the sweep
// runs every minute to expire task leases and close rounds past their deadline.
import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

import type { OnsiteConfig } from '../config.js';
import { OnsiteFunction } from '../constructs/onsite-function.js';
import type { ArtifactsStack } from './artifacts-stack.js';
import type { DataStack } from './data-stack.js';
import { blobStoreEnvironment, databaseEnvironment } from './function-environment.js';

export interface WorkersStackProps extends StackProps {
  readonly config: OnsiteConfig;
  readonly data: DataStack;
  readonly artifacts: ArtifactsStack;
}

// The Lambda developer guide advises a queue visibility timeout of at least six times the
// function timeout, so that SQS does not redeliver a message while a retried invocation runs.
const VISIBILITY_TIMEOUT_FACTOR = 6;

export class WorkersStack extends Stack {
  readonly aggregationQueue: Queue;
  readonly aggregationDeadLetterQueue: Queue;
  readonly aggregate: OnsiteFunction;
  readonly sweep: OnsiteFunction;

  constructor(scope: Construct, id: string, props: WorkersStackProps) {
    super(scope, id, props);
    const { config, data, artifacts } = props;
    const workers = config.workers;
    const logs = {
      logLevel: config.logLevel,
      logRetention: config.observability.logRetention,
      retainLogsOnDelete: config.artifacts.retainOnDelete,
    };

    this.aggregationDeadLetterQueue = new Queue(this, 'AggregationDeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(workers.deadLetterRetentionDays),
    });

    this.aggregationQueue = new Queue(this, 'Aggregation', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(workers.aggregationTimeoutSeconds * VISIBILITY_TIMEOUT_FACTOR),
      deadLetterQueue: {
        queue: this.aggregationDeadLetterQueue,
        maxReceiveCount: workers.aggregationMaxReceiveCount,
      },
    });

    this.aggregate = new OnsiteFunction(this, 'Aggregate', {
      handler: 'aggregate',
      description: 'Aggregates the results of a round once its quorum is in',
      environment: { ...databaseEnvironment(data), ...blobStoreEnvironment(artifacts) },
      timeout: Duration.seconds(workers.aggregationTimeoutSeconds),
      memorySizeMb: workers.aggregationMemorySizeMb,
      ...logs,
    });
    data.cluster.grantDataApiAccess(this.aggregate.role);
    artifacts.grantObjectReadWrite(this.aggregate.role);

    // With reportBatchItemFailures, the handler names the failed messages and SQS retries only
    // those, so one bad result does not replay the whole batch.
    this.aggregate.function.addEventSource(
      new SqsEventSource(this.aggregationQueue, {
        batchSize: workers.aggregationBatchSize,
        reportBatchItemFailures: true,
      }),
    );

    this.sweep = new OnsiteFunction(this, 'Sweep', {
      handler: 'sweep',
      description: 'Expires task leases and closes rounds past their deadline',
      // The sweep touches only the database and the queue, but the shared runtime it starts
      // opens a blob store. Without BLOB_STORE=s3, that store creates a folder in the read-only
      // bundle directory and fails. The role gets no access to the bucket the variables name.
      environment: {
        ...databaseEnvironment(data),
        ...blobStoreEnvironment(artifacts),
        AGGREGATION_QUEUE_URL: this.aggregationQueue.queueUrl,
      },
      timeout: Duration.seconds(workers.sweepTimeoutSeconds),
      memorySizeMb: 256,
      ...logs,
    });
    data.cluster.grantDataApiAccess(this.sweep.role);
    this.aggregationQueue.grantSendMessages(this.sweep.role);

    // A sweep that fails is not retried: the next one starts a minute later and does its work.
    new Rule(this, 'SweepSchedule', {
      description: 'Runs the sweep every minute',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(this.sweep.function, { retryAttempts: 0 })],
    });
  }
}
