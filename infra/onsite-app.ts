// Builds Onsite's stacks for one environment inside a CDK app. app.ts calls it for the CLI, and
// the tests call it to synthesise each environment without touching AWS.
import { Tags, type App, type Environment } from 'aws-cdk-lib';

import type { OnsiteConfig } from './config.js';
import { ApiStack } from './stacks/api-stack.js';
import { ArtifactsStack } from './stacks/artifacts-stack.js';
import { DataStack } from './stacks/data-stack.js';
import { MigrationsStack } from './stacks/migrations-stack.js';
import { ObservabilityStack } from './stacks/observability-stack.js';
import { WorkersStack } from './stacks/workers-stack.js';

export interface OnsiteStacks {
  readonly data: DataStack;
  readonly artifacts: ArtifactsStack;
  readonly migrations: MigrationsStack;
  readonly workers: WorkersStack;
  readonly api: ApiStack;
  readonly observability: ObservabilityStack;
}

export function buildOnsiteStacks(app: App, config: OnsiteConfig): OnsiteStacks {
  const env: Environment = { account: config.account, region: config.region };
  const name = (suffix: string) => `${config.stackPrefix}-${suffix}`;

  const data = new DataStack(app, name('data'), { env, config, description: 'Onsite metadata database (Aurora Serverless v2 with the Data API)' });
  const artifacts = new ArtifactsStack(app, name('artifacts'), { env, config, description: 'Onsite artifacts bucket and its KMS key' });
  const migrations = new MigrationsStack(app, name('migrations'), { env, config, data, description: 'Onsite database migrations, applied during deployment' });

  const workers = new WorkersStack(app, name('workers'), { env, config, data, artifacts, description: 'Onsite aggregation queue, aggregator and sweep' });
  const api = new ApiStack(app, name('api'), {
    env,
    config,
    data,
    artifacts,
    aggregationQueue: workers.aggregationQueue,
    description: 'Onsite HTTP API',
  });

  // The schema must be migrated before code that expects it starts serving.
  workers.addStackDependency(migrations, 'workers need the migrated schema');
  api.addStackDependency(migrations, 'the API needs the migrated schema');

  const observability = new ObservabilityStack(app, name('observability'), {
    env,
    config,
    httpApi: api.httpApi,
    aggregationDeadLetterQueue: workers.aggregationDeadLetterQueue,
    aggregateFunction: workers.aggregate.function,
    sweepFunction: workers.sweep.function,
    description: 'Onsite alarms and their notification topic',
  });

  const stacks = { data, artifacts, migrations, workers, api, observability };
  for (const stack of Object.values(stacks)) {
    Tags.of(stack).add('project', 'onsite');
    Tags.of(stack).add('environment', config.envName);
  }

  return stacks;
}
