// Applies the drizzle migrations at deploy time through a custom resource, before the stacks
// that run the new code, so that no API cold start ever changes the schema.
import { CustomResource, Duration, FileSystem, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Provider } from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { join } from 'node:path';

import { PROJECT_ROOT } from '../bundling.js';
import type { OnsiteConfig } from '../config.js';
import { OnsiteFunction } from '../constructs/onsite-function.js';
import { MIGRATIONS_DIR } from '../handlers.js';
import type { DataStack } from './data-stack.js';
import { databaseEnvironment } from './function-environment.js';

export interface MigrationsStackProps extends StackProps {
  readonly config: OnsiteConfig;
  readonly data: DataStack;
}

/**
 * Shell command that copies the migrations next to the bundled handler, as `migrations/`: the
 * database module looks for them beside its own module (`new URL('./migrations', import.meta.url)`),
 * which after bundling is `index.mjs`.
 */
export function copyMigrationsCommands(inputDir: string, outputDir: string): string[] {
  return [`cp -R "${join(inputDir, MIGRATIONS_DIR)}" "${join(outputDir, 'migrations')}"`];
}

export class MigrationsStack extends Stack {
  readonly migrate: OnsiteFunction;

  constructor(scope: Construct, id: string, props: MigrationsStackProps) {
    super(scope, id, props);
    const { config, data } = props;

    this.migrate = new OnsiteFunction(this, 'Migrate', {
      handler: 'migrate',
      description: 'Applies the database migrations during deployment',
      environment: databaseEnvironment(data),
      // A paused Aurora Serverless v2 cluster takes seconds to resume before the first statement.
      timeout: Duration.minutes(5),
      memorySizeMb: 512,
      logLevel: config.logLevel,
      logRetention: config.observability.logRetention,
      retainLogsOnDelete: config.artifacts.retainOnDelete,
      commandHooks: {
        beforeBundling: () => [],
        beforeInstall: () => [],
        afterBundling: copyMigrationsCommands,
      },
    });
    data.cluster.grantDataApiAccess(this.migrate.role);

    const provider = new Provider(this, 'MigrationsProvider', {
      onEventHandler: this.migrate.function,
      logGroup: new LogGroup(this, 'ProviderLogs', {
        retention: config.observability.logRetention,
        removalPolicy: config.artifacts.retainOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      }),
    });

    // CloudFormation calls the handler again only when a property changes, so the fingerprint
    // of the migrations folder makes every new migration run on the next deploy.
    new CustomResource(this, 'Migrations', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::OnsiteMigrations',
      properties: { migrationsFingerprint: FileSystem.fingerprint(join(PROJECT_ROOT, MIGRATIONS_DIR)) },
    });

    // The finding names the function by its logical id, as cdk-nag prints it.
    const migrateLogicalId = this.getLogicalId(this.migrate.function.node.defaultChild as CfnFunction);
    Validations.of(provider).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::<${migrateLogicalId}.Arn>:*]`,
        reason: 'The provider framework may invoke any version of the migrate function, which the ":*" suffix of its ARN matches.',
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: "The CDK custom-resource provider's framework function writes its logs with AWSLambdaBasicExecutionRole, and CDK builds that role.",
      },
      {
        id: 'AwsSolutions-L1',
        reason: 'CDK pins the runtime of the provider framework function and tests its code with that runtime.',
      },
    );
  }
}
