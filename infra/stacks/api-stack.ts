// The public API: an HTTP API (API Gateway v2) in front of the Hono app's Lambda function.
// Hono routes every request itself; the gateway adds throttling per route and access logs.
import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import type {
  CfnStage} from 'aws-cdk-lib/aws-apigatewayv2';
import {
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

import { MAX_REQUEST_BYTES, type OnsiteConfig } from '../config.js';
import { OnsiteFunction } from '../constructs/onsite-function.js';
import type { ArtifactsStack } from './artifacts-stack.js';
import type { DataStack } from './data-stack.js';
import { blobStoreEnvironment, databaseEnvironment } from './function-environment.js';

export interface ApiStackProps extends StackProps {
  readonly config: OnsiteConfig;
  readonly data: DataStack;
  readonly artifacts: ArtifactsStack;
  readonly aggregationQueue: Queue;
}

// One JSON object per request. `requestId` matches the `apigw-requestid` response header, and
// the error fields record why API Gateway itself rejected a request (throttling, integration).
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  routeKey: '$context.routeKey',
  path: '$context.path',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  error: '$context.error.message',
});

/** Splits an HTTP API route key such as `POST /v1/gateways/enroll` into method and path. */
export function parseRouteKey(routeKey: string): { method: HttpMethod; path: string } {
  const match = /^([A-Z]+) (\/\S*)$/.exec(routeKey);
  const method = match?.[1];
  const path = match?.[2];
  if (method === undefined || path === undefined || !(Object.values(HttpMethod) as string[]).includes(method)) {
    throw new Error(`Invalid route key "${routeKey}": expected "METHOD /path", for example "POST /v1/gateways/enroll".`);
  }

  return { method: method as HttpMethod, path };
}

export class ApiStack extends Stack {
  readonly httpApi: HttpApi;
  readonly api: OnsiteFunction;
  readonly url: string;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config, data, artifacts, aggregationQueue } = props;

    // The stage is created below, with throttling and access logs.
    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: `Onsite API (${config.envName})`,
      createDefaultStage: false,
    });
    this.url = config.api.publicBaseUrl ?? this.httpApi.apiEndpoint;

    this.api = new OnsiteFunction(this, 'Api', {
      handler: 'api',
      description: 'Onsite HTTP API (Hono)',
      environment: {
        ...databaseEnvironment(data),
        ...blobStoreEnvironment(artifacts),
        AGGREGATION_QUEUE_URL: aggregationQueue.queueUrl,
        PUBLIC_BASE_URL: this.url,
        MAX_REQUEST_BYTES: String(MAX_REQUEST_BYTES),
        // A hash, not the token: it only lets the API recognise the operator.
        ...(config.api.operatorTokenSha256 ? { OPERATOR_TOKEN_SHA256: config.api.operatorTokenSha256 } : {}),
      },
      timeout: Duration.seconds(config.api.timeoutSeconds),
      memorySizeMb: config.api.memorySizeMb,
      logLevel: config.logLevel,
      logRetention: config.observability.logRetention,
      retainLogsOnDelete: config.artifacts.retainOnDelete,
    });
    data.cluster.grantDataApiAccess(this.api.role);
    artifacts.grantObjectReadWrite(this.api.role);
    aggregationQueue.grantSendMessages(this.api.role);

    const integration = new HttpLambdaIntegration('Hono', this.api.function);

    const routes = [
      new HttpRoute(this.httpApi, 'DefaultRoute', {
        httpApi: this.httpApi,
        routeKey: HttpRouteKey.DEFAULT,
        integration,
      }),
    ];
    for (const routeKey of Object.keys(config.api.routeThrottles)) {
      const { method, path } = parseRouteKey(routeKey);
      routes.push(...this.httpApi.addRoutes({ path, methods: [method], integration }));
    }

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: config.observability.logRetention,
      removalPolicy: config.artifacts.retainOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    const stage = new HttpStage(this, 'Stage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: config.api.defaultThrottle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(ACCESS_LOG_FORMAT),
      },
    });

    // The L2 stage sets one limit for all routes; per-route limits go on the CloudFormation
    // stage, which only accepts keys of routes that already exist.
    const cfnStage = stage.node.defaultChild as CfnStage;
    cfnStage.routeSettings = Object.fromEntries(
      Object.entries(config.api.routeThrottles).map(([routeKey, limits]) => [
        routeKey,
        { ThrottlingRateLimit: limits.rateLimit, ThrottlingBurstLimit: limits.burstLimit },
      ]),
    );
    for (const route of routes) {
      stage.node.addDependency(route);
    }

    new CfnOutput(this, 'ApiUrl', {
      description: 'Base URL of the Onsite API, for gateways and API clients',
      value: this.url,
    });

    // Acknowledged on the API, so the acknowledgement covers each of its routes.
    Validations.of(this.httpApi).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason: 'The Hono app authenticates every /v1 request itself with API keys and gateway credentials, and only enrolment, health and API documentation are public.',
    });
  }
}
