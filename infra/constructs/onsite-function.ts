// The one way the stacks create a Lambda function, so that runtime, architecture, tracing,
// bundling, log retention and the execution role's baseline are the same for every handler.
import type { Duration} from 'aws-cdk-lib';
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { join } from 'node:path';

import { PROJECT_ROOT, lambdaBundling } from '../bundling.js';
import { handlerEntryPath, type HandlerName } from '../handlers.js';

export interface OnsiteFunctionProps {
  readonly handler: HandlerName;
  readonly description: string;
  /** Variables the handler reads, on top of LOG_LEVEL and NODE_OPTIONS. */
  readonly environment: Record<string, string>;
  readonly logLevel: string;
  readonly logRetention: RetentionDays;
  readonly retainLogsOnDelete: boolean;
  readonly timeout: Duration;
  readonly memorySizeMb: number;
  /** Extra bundling steps, such as copying files next to the bundle. */
  readonly commandHooks?: BundlingOptions['commandHooks'];
}

/**
 * A bundled Node.js 22 arm64 function with X-Ray tracing and its own log group. Its role starts
 * with nothing but writing to that log group, and each stack adds the grants its handler uses.
 */
export class OnsiteFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: OnsiteFunctionProps) {
    super(scope, id);

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.retainLogsOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    // A role of our own in place of the AWSLambdaBasicExecutionRole managed policy, which
    // allows writing to every log group in the account.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the ${props.handler} function`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: handlerEntryPath(props.handler),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      description: props.description,
      memorySize: props.memorySizeMb,
      timeout: props.timeout,
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      bundling: { ...lambdaBundling, commandHooks: props.commandHooks },
      environment: {
        ...props.environment,
        LOG_LEVEL: props.logLevel,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });

    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions, so active tracing needs Resource "*".',
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'The handlers are built and tested for Node.js 22, the runtime the project targets.',
    });
  }
}
