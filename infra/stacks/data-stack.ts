// Aurora Serverless v2 PostgreSQL holding Onsite's metadata. The functions reach it through the
// RDS Data API (HTTPS calls signed with IAM), so they run outside the VPC; the VPC only hosts
// the cluster and its credential rotation, in isolated subnets with no NAT and no internet route.
import { Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import {
  FlowLogDestination,
  FlowLogTrafficType,
  InterfaceVpcEndpointAwsService,
  SecurityGroup,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import {
  AuroraPostgresEngineVersion,
  ClusterInstance,
  Credentials,
  DatabaseCluster,
  DatabaseClusterEngine,
} from 'aws-cdk-lib/aws-rds';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';

import type { OnsiteConfig } from '../config.js';

export interface DataStackProps extends StackProps {
  readonly config: OnsiteConfig;
}

export class DataStack extends Stack {
  readonly cluster: DatabaseCluster;
  readonly secret: ISecret;
  readonly databaseName: string;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { config } = props;
    const database = config.database;
    this.databaseName = database.databaseName;

    // The VPC checks its zones against the account's, which CDK would otherwise look up in AWS.
    // Setting the lookup's context value from the configuration keeps synthesis offline.
    this.node.setContext(`availability-zones:account=${config.account}:region=${config.region}`, [
      ...database.availabilityZones,
    ]);

    const vpc = new Vpc(this, 'Vpc', {
      availabilityZones: [...database.availabilityZones],
      natGateways: 0,
      subnetConfiguration: [{ name: 'database', subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
      flowLogs: {
        rejected: {
          trafficType: FlowLogTrafficType.REJECT,
          destination: FlowLogDestination.toCloudWatchLogs(
            new LogGroup(this, 'FlowLogs', {
              retention: config.observability.logRetention,
              removalPolicy: database.protectFromDeletion ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
            }),
          ),
        },
      },
    });

    // The rotation function runs in the isolated subnets and reaches Secrets Manager through
    // this endpoint, since there is no NAT. Only the rotation function may connect to it.
    const rotationSecurityGroup = new SecurityGroup(this, 'RotationSecurityGroup', {
      vpc,
      description: 'Secret rotation function of the Onsite database',
    });
    const secretsManagerEndpoint = vpc.addInterfaceEndpoint('SecretsManagerEndpoint', {
      service: InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      subnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
      open: false,
    });
    secretsManagerEndpoint.connections.allowDefaultPortFrom(rotationSecurityGroup, 'Secret rotation');

    // The cluster's PostgreSQL log goes to a log group of this name. Creating it here sets its
    // retention without CDK's log-retention function, which needs account-wide permissions.
    const clusterIdentifier = config.stackPrefix.toLowerCase();
    const postgresLogs = new LogGroup(this, 'PostgresLogs', {
      logGroupName: `/aws/rds/cluster/${clusterIdentifier}/postgresql`,
      retention: config.observability.logRetention,
      removalPolicy: database.protectFromDeletion ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    // Auto-pause (a minimum of 0 ACU) needs 15.7 or later; the Data API on Serverless v2 needs 15.4.
    this.cluster = new DatabaseCluster(this, 'Cluster', {
      clusterIdentifier,
      engine: DatabaseClusterEngine.auroraPostgres({ version: AuroraPostgresEngineVersion.VER_15_10 }),
      writer: ClusterInstance.serverlessV2('Writer'),
      serverlessV2MinCapacity: database.minCapacityAcu,
      serverlessV2MaxCapacity: database.maxCapacityAcu,
      serverlessV2AutoPauseDuration:
        database.autoPauseMinutes === undefined ? undefined : Duration.minutes(database.autoPauseMinutes),
      enableDataApi: true,
      credentials: Credentials.fromGeneratedSecret('onsite_admin'),
      defaultDatabaseName: database.databaseName,
      vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
      storageEncrypted: true,
      backup: { retention: Duration.days(database.backupRetentionDays) },
      deletionProtection: database.protectFromDeletion,
      removalPolicy: database.protectFromDeletion ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
      cloudwatchLogsExports: ['postgresql'],
      iamAuthentication: false,
    });
    this.cluster.node.addDependency(postgresLogs);

    this.cluster.addRotationSingleUser({
      automaticallyAfter: Duration.days(database.secretRotationDays),
      securityGroup: rotationSecurityGroup,
    });

    const secret = this.cluster.secret;
    if (secret === undefined) {
      throw new Error('The database cluster has no generated secret; the Data API needs one to sign in.');
    }
    this.secret = secret;

    this.addNagSuppressions(database.protectFromDeletion);
  }

  private addNagSuppressions(protectFromDeletion: boolean): void {
    Validations.of(this.cluster).acknowledge({
      id: 'AwsSolutions-RDS6',
      reason: 'The functions sign in through the Data API with the Secrets Manager credentials, and IAM database authentication does not apply to Data API calls.',
    });

    if (!protectFromDeletion) {
      Validations.of(this.cluster).acknowledge({
        id: 'AwsSolutions-RDS10',
        reason: 'Development clusters hold disposable data and must be deletable with their stack.',
      });
    }
  }
}
