import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { App } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

import { PROJECT_ROOT, esbuildOptionsFor } from '../bundling.js';
import { ENVIRONMENT_NAMES, type OnsiteConfig } from '../config.js';
import { MIGRATIONS_DIR, handlerEntryPath } from '../handlers.js';
import { describeWithHandlers, synthesizeOnsite, type SynthesizedOnsite } from '../test-support/synthesize.js';
import { parseRouteKey } from './api-stack.js';

type Statement = { Effect: string; Principal?: unknown; Action: string | string[]; Condition?: unknown };

describe('parseRouteKey', () => {
  it.each([
    ['POST /v1/gateways/enroll', 'POST', '/v1/gateways/enroll'],
    ['GET /health', 'GET', '/health'],
    ['ANY /v1/{proxy+}', 'ANY', '/v1/{proxy+}'],
  ])('splits %s', (routeKey, method, path) => {
    expect(parseRouteKey(routeKey)).toEqual({ method, path });
  });

  it.each(['/v1/gateways', 'post /v1/gateways', 'FETCH /v1', 'POST v1/gateways', 'POST  /v1'])('rejects %j', (routeKey) => {
    expect(() => parseRouteKey(routeKey)).toThrow(`Invalid route key "${routeKey}"`);
  });
});

function expectTlsOnlyPolicy(template: Template, resourceType: string): void {
  const policies = Object.values(template.findResources(resourceType));
  expect(policies.length).toBeGreaterThan(0);

  for (const policy of policies) {
    const statements = policy.Properties.PolicyDocument.Statement as Statement[];
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  }
}

describeWithHandlers('runtime stacks', () => {
  describe.each(ENVIRONMENT_NAMES)('%s', (envName) => {
    let synth: SynthesizedOnsite;
    let config: OnsiteConfig;

    beforeAll(() => {
      // cdk-nag and schema validation run in onsite-app.test.ts; this suite reads properties.
      synth = synthesizeOnsite(envName, { nag: false, validateTemplates: false });
      config = synth.config;
    });

    describe('API', () => {
      let template: Template;
      beforeAll(() => {
        template = synth.templates.api;
      });

      it('serves an HTTP API through the Lambda proxy integration', () => {
        template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
        template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
          IntegrationType: 'AWS_PROXY',
          PayloadFormatVersion: '2.0',
        });
      });

      it('routes every request to the app, plus each throttled route', () => {
        const routeKeys = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
          (route) => route.Properties.RouteKey,
        );

        expect(routeKeys.sort()).toEqual(['$default', ...Object.keys(config.api.routeThrottles)].sort());
      });

      it('throttles the stage and each configured route', () => {
        const routeSettings = Object.fromEntries(
          Object.entries(config.api.routeThrottles).map(([key, limits]) => [
            key,
            { ThrottlingRateLimit: limits.rateLimit, ThrottlingBurstLimit: limits.burstLimit },
          ]),
        );

        template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
          StageName: '$default',
          AutoDeploy: true,
          DefaultRouteSettings: {
            ThrottlingRateLimit: config.api.defaultThrottle.rateLimit,
            ThrottlingBurstLimit: config.api.defaultThrottle.burstLimit,
          },
          RouteSettings: routeSettings,
        });
      });

      it('writes JSON access logs with the request id', () => {
        template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
          AccessLogSettings: {
            DestinationArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] },
            Format: Match.stringLikeRegexp('"requestId":"\\$context\\.requestId"'),
          },
        });
        template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: config.observability.logRetention });
      });

      it('outputs its base URL for gateways and clients', () => {
        const outputs = Object.values(template.findOutputs('*'));

        expect(outputs).toContainEqual(
          expect.objectContaining({ Value: config.api.publicBaseUrl ?? { 'Fn::GetAtt': [expect.any(String), 'ApiEndpoint'] } }),
        );
      });

      it('deploys the bundle the size budget measures', async () => {
        const { api } = synth.stacks;
        const functionId = api.getLogicalId(api.api.function.node.defaultChild as CfnFunction);
        const assetKey = synth.templates.api.toJSON().Resources[functionId].Properties.Code.S3Key as string;
        const deployed = readFileSync(join((api.node.root as App).outdir, `asset.${assetKey.replace(/\.zip$/, '')}`, 'index.mjs'));

        const outdir = mkdtempSync(join(tmpdir(), 'onsite-api-compare-'));
        await build(esbuildOptionsFor(handlerEntryPath('api'), outdir));
        const measured = readFileSync(join(outdir, 'index.mjs'));
        rmSync(outdir, { recursive: true, force: true });

        expect(deployed.length).toBe(measured.length);
        expect(deployed.equals(measured)).toBe(true);
      });

      it('tells the app its public address', () => {
        template.hasResourceProperties('AWS::Lambda::Function', {
          Environment: {
            Variables: Match.objectLike({
              PUBLIC_BASE_URL: config.api.publicBaseUrl ?? { 'Fn::GetAtt': [Match.anyValue(), 'ApiEndpoint'] },
            }),
          },
        });
      });
    });

    describe('workers', () => {
      let template: Template;
      beforeAll(() => {
        template = synth.templates.workers;
      });

      it('moves results that keep failing to a dead-letter queue', () => {
        template.hasResourceProperties('AWS::SQS::Queue', {
          RedrivePolicy: {
            deadLetterTargetArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] },
            maxReceiveCount: config.workers.aggregationMaxReceiveCount,
          },
          VisibilityTimeout: config.workers.aggregationTimeoutSeconds * 6,
        });
        template.resourceCountIs('AWS::SQS::Queue', 2);
      });

      it('encrypts both queues and accepts TLS only', () => {
        template.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
        expectTlsOnlyPolicy(template, 'AWS::SQS::QueuePolicy');
      });

      it('reports failed messages one by one', () => {
        template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
          BatchSize: config.workers.aggregationBatchSize,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
        });
      });

      it('runs the sweep every minute without retries', () => {
        template.hasResourceProperties('AWS::Events::Rule', {
          ScheduleExpression: 'rate(1 minute)',
          State: 'ENABLED',
          Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 0 } })],
        });
      });
    });

    describe('migrations', () => {
      it('reruns the custom resource when the migrations change', () => {
        synth.templates.migrations.hasResourceProperties('Custom::OnsiteMigrations', {
          ServiceToken: Match.anyValue(),
          migrationsFingerprint: Match.stringLikeRegexp('^[0-9a-f]{64}$'),
        });
      });

      it('ships the migrations beside the bundled handler', () => {
        const { migrations } = synth.stacks;
        const functionId = migrations.getLogicalId(migrations.migrate.function.node.defaultChild as CfnFunction);
        const resources = synth.templates.migrations.toJSON().Resources;
        const assetKey = resources[functionId].Properties.Code.S3Key as string;
        const assetDir = join((migrations.node.root as App).outdir, `asset.${assetKey.replace(/\.zip$/, '')}`);
        const expected = readdirSync(join(PROJECT_ROOT, MIGRATIONS_DIR)).sort();

        expect(readdirSync(assetDir)).toContain('index.mjs');
        expect(readdirSync(join(assetDir, 'migrations')).sort()).toEqual(expected);
      });
    });

    describe('observability', () => {
      let template: Template;
      beforeAll(() => {
        template = synth.templates.observability;
      });

      it('sends alarms to an encrypted, TLS-only topic', () => {
        template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
        expectTlsOnlyPolicy(template, 'AWS::SNS::TopicPolicy');
        template.hasResourceProperties('AWS::KMS::Key', {
          EnableKeyRotation: true,
          KeyPolicy: {
            Statement: Match.arrayWith([
              Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: Match.arrayWith(['kms:Decrypt']) }),
            ]),
          },
        });
      });

      it('raises every alarm to the topic', () => {
        const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));

        expect(alarms).toHaveLength(4);
        for (const alarm of alarms) {
          expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.any(String) }]);
          expect(alarm.Properties.TreatMissingData).toBe('notBreaching');
        }
      });

      it('alarms on a message in the dead-letter queue', () => {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          ComparisonOperator: 'GreaterThanThreshold',
          Threshold: 0,
        });
      });

      it('alarms on aggregation and sweep errors', () => {
        const errorAlarms = template.findResources('AWS::CloudWatch::Alarm', {
          Properties: { Namespace: 'AWS/Lambda', MetricName: 'Errors', Threshold: 0 },
        });

        expect(Object.keys(errorAlarms)).toHaveLength(2);
      });

      it('alarms on the API 5xx rate', () => {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Threshold: config.observability.api5xxRatePercent,
          Metrics: Match.arrayWith([
            Match.objectLike({ Expression: Match.stringLikeRegexp('errors / IF\\(requests > 0') }),
            Match.objectLike({ MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: '5xx', Namespace: 'AWS/ApiGateway' }) }) }),
          ]),
        });
      });
    });
  });
});
