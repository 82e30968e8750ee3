import { loadCloudEnv } from '../config/env.js';
import type { Runtime } from '../runtime/create-runtime.js';
import { runtimeSettingsFromEnv } from '../runtime/runtime-from-env.js';
import { createRuntime } from '../runtime/create-runtime.js';
import { schedulerDependencies, type SchedulerDependencies } from '../services/jobs/scheduler-dependencies.js';
import { createSqsAggregationTrigger } from './sqs-aggregation-trigger.js';

/**
 * Opens the scheduler's dependencies for a worker Lambda from the environment, once per container:
 * the database, the blob store and the logger come from the same runtime the API uses, and the
 * aggregation queue (AGGREGATION_QUEUE_URL) becomes the trigger when it is set.
 */
export function workerDependenciesLoader(source: NodeJS.ProcessEnv = process.env): () => Promise<SchedulerDependencies> {
  let opened: Promise<{ runtime: Runtime; deps: SchedulerDependencies }> | undefined;

  return async () => {
    opened ??= (async () => {
      const env = loadCloudEnv(source);
      const trigger = env.AGGREGATION_QUEUE_URL ? createSqsAggregationTrigger(env.AGGREGATION_QUEUE_URL, env.AWS_REGION) : undefined;
      const runtime = await createRuntime({ ...runtimeSettingsFromEnv(env, { migrate: false }), ...(trigger ? { aggregationTrigger: trigger } : {}) });
      return { runtime, deps: schedulerDependencies(runtime.deps) };
    })().catch((error: unknown) => {
      // Forget a failed start so the next invocation tries again instead of failing forever.
      opened = undefined;
      throw error;
    });
    return (await opened).deps;
  };
}
