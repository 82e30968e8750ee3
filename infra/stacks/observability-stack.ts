// Alarms on the signals that need a person: API 5xx rate, failed aggregations, results stuck in
// the dead-letter queue and failing sweeps. Every alarm notifies one encrypted SNS topic.
import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  MathExpression,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

import type { OnsiteConfig } from '../config.js';

export interface ObservabilityStackProps extends StackProps {
  readonly config: OnsiteConfig;
  readonly httpApi: HttpApi;
  readonly aggregationDeadLetterQueue: IQueue;
  readonly aggregateFunction: IFunction;
  readonly sweepFunction: IFunction;
}

const FIVE_MINUTES = Duration.minutes(5);

export class ObservabilityStack extends Stack {
  readonly alarmTopic: Topic;

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, props);
    const { config } = props;

    // CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, so the topic
    // gets a customer key whose policy lets CloudWatch use it.
    const topicKey = new Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the Onsite alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    topicKey.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');

    this.alarmTopic = new Topic(this, 'Alarms', {
      displayName: `Onsite ${config.envName} alarms`,
      masterKey: topicKey,
      enforceSSL: true,
    });
    if (config.observability.alarmEmail !== undefined) {
      this.alarmTopic.addSubscription(new EmailSubscription(config.observability.alarmEmail));
    }

    const api5xxRate = new MathExpression({
      expression: '100 * errors / IF(requests > 0, requests, 1)',
      usingMetrics: {
        errors: props.httpApi.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }),
        requests: props.httpApi.metricCount({ period: FIVE_MINUTES, statistic: 'Sum' }),
      },
      label: 'API 5xx responses (% of requests)',
      period: FIVE_MINUTES,
    });
    this.addAlarm('Api5xxRate', {
      metric: api5xxRate,
      threshold: config.observability.api5xxRatePercent,
      description: `More than ${config.observability.api5xxRatePercent}% of API responses had a 5xx status over 5 minutes`,
    });

    this.addAlarm('AggregationDeadLetters', {
      metric: props.aggregationDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: FIVE_MINUTES,
        statistic: 'Maximum',
      }),
      threshold: 0,
      description: 'Results whose aggregation failed on every retry are waiting in the dead-letter queue',
    });

    this.addAlarm('AggregationErrors', {
      metric: props.aggregateFunction.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
      threshold: 0,
      description: 'The aggregation function failed',
    });

    this.addAlarm('SweepErrors', {
      metric: props.sweepFunction.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
      threshold: 0,
      description: 'The sweep (lease expiry and round deadlines) failed',
    });
  }

  /** Adds an alarm raised when the metric exceeds the threshold, notifying the alarm topic. */
  private addAlarm(id: string, options: { metric: IMetric; threshold: number; description: string }): Alarm {
    const alarm = new Alarm(this, id, {
      metric: options.metric,
      threshold: options.threshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      // No traffic or no invocations is healthy, not unknown.
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: options.description,
    });
    alarm.addAlarmAction(new SnsAction(this.alarmTopic));
    alarm.addOkAction(new SnsAction(this.alarmTopic));

    return alarm;
  }
}
