import type { Stack } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';

import { ENVIRONMENT_NAMES, MAX_REQUEST_BYTES } from './config.js';
import type { OnsiteFunction } from './constructs/onsite-function.js';
import type { HandlerName } from './handlers.js';
import {
  describeWithHandlers,
  synthesizeOnsite,
  type StackName,
  type SynthesizedOnsite,
} from './test-support/synthesize.js';

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

const STACK_NAMES: StackName[] = ['data', 'artifacts', 'migrations', 'workers', 'api', 'observability'];

const DATABASE_VARIABLES = ['DATABASE_DRIVER', 'DATABASE_CLUSTER_ARN', 'DATABASE_SECRET_ARN', 'DATABASE_NAME'];
const BLOB_VARIABLES = ['BLOB_STORE', 'BLOB_BUCKET', 'BLOB_KMS_KEY_ID'];
const COMMON_VARIABLES = ['LOG_LEVEL', 'NODE_OPTIONS'];

function findOnsiteFunction(synth: SynthesizedOnsite, name: HandlerName): { stack: Stack; construct: OnsiteFunction } {
  const { stacks } = synth;
  const byName: Record<HandlerName, { stack: Stack; construct: OnsiteFunction }> = {
    api: { stack: stacks.api, construct: stacks.api.api },
    aggregate: { stack: stacks.workers, construct: stacks.workers.aggregate },
    sweep: { stack: stacks.workers, construct: stacks.workers.sweep },
    migrate: { stack: stacks.migrations, construct: stacks.migrations.migrate },
  };

  return byName[name];
}

/** Returns the synthesised properties of a handler's function and the statements of its role. */
function describeFunction(synth: SynthesizedOnsite, name: HandlerName) {
  const { stack, construct } = findOnsiteFunction(synth, name);
  const resources = synth.templates[stackNameOf(synth, stack)].toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
  const functionId = stack.getLogicalId(construct.function.node.defaultChild as CfnFunction);
  const roleId = stack.getLogicalId(construct.role.node.defaultChild as CfnFunction);

  const properties = resources[functionId]?.Properties;
  if (properties === undefined) {
    throw new Error(`No function ${functionId} in the ${stack.stackName} template`);
  }

  const statements = Object.values(resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .filter((resource) => JSON.stringify(resource.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap((resource) => (resource.Properties.PolicyDocument as { Statement: Statement[] }).Statement);

  const actions = statements.flatMap((statement) => [statement.Action].flat());

  return { properties, resources, statements, actions };
}

function stackNameOf(synth: SynthesizedOnsite, stack: Stack): StackName {
  const entry = Object.entries(synth.stacks).find(([, candidate]) => candidate === stack);
  if (entry === undefined) {
    throw new Error(`Stack ${stack.stackName} is not part of the app`);
  }
  return entry[0] as StackName;
}

function listPolicyStatements(synth: SynthesizedOnsite): Array<{ stack: StackName; statement: Statement }> {
  return STACK_NAMES.flatMap((stack) =>
    Object.values(synth.templates[stack].findResources('AWS::IAM::Policy')).flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as Statement[]).map((statement) => ({ stack, statement })),
    ),
  );
}

describeWithHandlers('Onsite app', () => {
  describe.each(ENVIRONMENT_NAMES)('%s', (envName) => {
    let synth: SynthesizedOnsite;

    beforeAll(() => {
      // The schema validation costs seconds of CPU per synthesis, and the two environments
      // differ in values more than in shape, so it runs on prod only. `cdk synth` runs it always.
      synth = synthesizeOnsite(envName, { validateTemplates: envName === 'prod' });
    });

    it.each(STACK_NAMES)('%s stack passes AwsSolutions checks', (stackName) => {
      const prefix = `${synth.config.stackPrefix}-${stackName}/`;
      const errors = synth.nagErrors.filter((error) => error.constructPath.startsWith(prefix));

      expect(errors).toEqual([]);
    });

    it('leaves no AwsSolutions error anywhere', () => {
      expect(synth.nagErrors).toEqual([]);
    });

    it.each<HandlerName>(['api', 'aggregate', 'sweep', 'migrate'])('%s function runs Node.js 22 on arm64 with tracing', (name) => {
      const { properties } = describeFunction(synth, name);

      expect(properties.Runtime).toBe('nodejs22.x');
      expect(properties.Architectures).toEqual(['arm64']);
      expect(properties.TracingConfig).toEqual({ Mode: 'Active' });
      expect(properties.Handler).toBe('index.handler');
      expect(properties.LoggingConfig).toEqual({ LogGroup: { Ref: expect.any(String) } });
    });

    it.each<HandlerName>(['api', 'aggregate', 'sweep', 'migrate'])('%s function logs with the configured retention', (name) => {
      const { properties, resources } = describeFunction(synth, name);
      const logGroupId = (properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;

      expect(resources[logGroupId]?.Type).toBe('AWS::Logs::LogGroup');
      expect(resources[logGroupId]?.Properties.RetentionInDays).toBe(synth.config.observability.logRetention);
    });

    it.each<[HandlerName, string[]]>([
      ['api', [...DATABASE_VARIABLES, ...BLOB_VARIABLES, 'AGGREGATION_QUEUE_URL', 'PUBLIC_BASE_URL', 'MAX_REQUEST_BYTES']],
      ['aggregate', [...DATABASE_VARIABLES, ...BLOB_VARIABLES]],
      ['sweep', [...DATABASE_VARIABLES, ...BLOB_VARIABLES, 'AGGREGATION_QUEUE_URL']],
      ['migrate', DATABASE_VARIABLES],
    ])('%s function gets exactly its environment', (name, variables) => {
      const { properties } = describeFunction(synth, name);
      const environment = (properties.Environment as { Variables: Record<string, unknown> }).Variables;

      expect(Object.keys(environment).sort()).toEqual([...variables, ...COMMON_VARIABLES].sort());
      expect(environment.DATABASE_DRIVER).toBe('aws-data-api');
      expect(environment.DATABASE_NAME).toBe(synth.config.database.databaseName);
      expect(environment.NODE_OPTIONS).toBe('--enable-source-maps');
      expect(environment.LOG_LEVEL).toBe(synth.config.logLevel);
      if (name === 'api') {
        expect(environment.MAX_REQUEST_BYTES).toBe(String(MAX_REQUEST_BYTES));
      }
      if (variables.includes('BLOB_STORE')) {
        expect(environment.BLOB_STORE).toBe('s3');
      }
    });

    it.each<[HandlerName, string[], string[]]>([
      [
        'api',
        ['rds-data:ExecuteStatement', 'secretsmanager:GetSecretValue', 's3:PutObject', 'kms:GenerateDataKey', 'sqs:SendMessage'],
        ['sqs:ReceiveMessage', 'sqs:DeleteMessage'],
      ],
      [
        'aggregate',
        ['rds-data:ExecuteStatement', 'secretsmanager:GetSecretValue', 's3:GetObject', 's3:PutObject', 'sqs:ReceiveMessage', 'sqs:DeleteMessage'],
        ['sqs:SendMessage'],
      ],
      ['sweep', ['rds-data:ExecuteStatement', 'secretsmanager:GetSecretValue', 'sqs:SendMessage'], ['s3:GetObject', 's3:PutObject', 'kms:Decrypt', 'sqs:ReceiveMessage']],
      ['migrate', ['rds-data:ExecuteStatement', 'secretsmanager:GetSecretValue'], ['s3:GetObject', 's3:PutObject', 'kms:Decrypt', 'sqs:SendMessage']],
    ])('%s function gets only the grants it uses', (name, granted, withheld) => {
      const { actions } = describeFunction(synth, name);

      expect(actions).toEqual(expect.arrayContaining(granted));
      for (const action of withheld) {
        expect(actions).not.toContain(action);
      }
    });

    it('scopes every IAM statement to named resources, except X-Ray', () => {
      const wildcardStatements = listPolicyStatements(synth).filter(({ statement }) => [statement.Resource].flat().includes('*'));

      expect(wildcardStatements.length).toBeGreaterThan(0);
      for (const { statement } of wildcardStatements) {
        expect([statement.Action].flat().sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
      }
    });

    it('grants no wildcard actions', () => {
      const actions = listPolicyStatements(synth).flatMap(({ statement }) => [statement.Action].flat());

      expect(actions.filter((action) => action.includes('*'))).toEqual([]);
    });

    it('migrates before deploying the API and the workers', () => {
      const { api, workers, migrations, data } = synth.stacks;

      expect(api.dependencies).toContain(migrations);
      expect(workers.dependencies).toContain(migrations);
      expect(migrations.dependencies).toContain(data);
    });

    it('targets the configured account and region', () => {
      for (const stack of Object.values(synth.stacks)) {
        expect(stack.account).toBe(synth.config.account);
        expect(stack.region).toBe(synth.config.region);
      }
    });
  });
});
