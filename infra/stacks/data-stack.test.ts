import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';

import { ENVIRONMENT_NAMES, selectConfig, type OnsiteConfig } from '../config.js';
import { createTestApp, listNagErrors, type NagError } from '../test-support/synthesize.js';
import { DataStack } from './data-stack.js';

describe.each(ENVIRONMENT_NAMES)('data stack (%s)', (envName) => {
  let config: OnsiteConfig;
  let template: Template;
  let nagErrors: NagError[];

  beforeAll(() => {
    // The schema validation runs in onsite-app.test.ts, on every stack.
    const app = createTestApp({ validateTemplates: false });
    config = selectConfig(envName);
    const stack = new DataStack(app, 'Data', { config, env: { account: config.account, region: config.region } });
    template = Template.fromStack(stack);
    nagErrors = listNagErrors(app);
  });

  it('passes AwsSolutions checks', () => {
    expect(nagErrors).toEqual([]);
  });

  it('runs encrypted Aurora PostgreSQL 15 with the Data API', () => {
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-postgresql',
      EngineVersion: Match.stringLikeRegexp('^15\\.'),
      StorageEncrypted: true,
      EnableHttpEndpoint: true,
      DatabaseName: config.database.databaseName,
      BackupRetentionPeriod: config.database.backupRetentionDays,
      ServerlessV2ScalingConfiguration: Match.objectLike({
        MinCapacity: config.database.minCapacityAcu,
        MaxCapacity: config.database.maxCapacityAcu,
      }),
    });
    template.hasResourceProperties('AWS::RDS::DBInstance', { DBInstanceClass: 'db.serverless' });
  });

  it('protects the cluster from deletion only in prod', () => {
    const protectedCluster = envName === 'prod';

    template.hasResource('AWS::RDS::DBCluster', {
      Properties: Match.objectLike({ DeletionProtection: protectedCluster }),
      DeletionPolicy: protectedCluster ? 'Snapshot' : 'Delete',
    });
  });

  it('keeps credentials in a rotated secret', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      RotationRules: Match.objectLike({
        ScheduleExpression: `rate(${config.database.secretRotationDays} days)`,
      }),
    });
  });

  it('places the cluster in a VPC without internet access', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.allResourcesProperties('AWS::EC2::Subnet', { MapPublicIpOnLaunch: false });
    template.resourceCountIs('AWS::EC2::Subnet', config.database.availabilityZones.length);
  });

  it('reaches Secrets Manager through a VPC endpoint', () => {
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: Match.stringLikeRegexp('secretsmanager'),
      VpcEndpointType: 'Interface',
      PrivateDnsEnabled: true,
    });
  });

  it('logs rejected VPC traffic', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT' });
  });

  it('exports PostgreSQL logs with a retention', () => {
    template.hasResourceProperties('AWS::RDS::DBCluster', { EnableCloudwatchLogsExports: ['postgresql'] });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: Match.stringLikeRegexp('^/aws/rds/cluster/.+/postgresql$'),
      RetentionInDays: config.observability.logRetention,
    });
  });
});
