import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { aggregateRoundIfReady, resumeStuckAggregation, type AggregationOutcome } from '../services/jobs/aggregate-round.js';
import type { SchedulerDependencies } from '../services/jobs/scheduler-dependencies.js';
import { STUCK_AGGREGATION_SECONDS } from '../services/jobs/sweep.js';
import { aggregationMessageSchema } from './sqs-aggregation-trigger.js';
import { workerDependenciesLoader } from './worker-dependencies.js';

/**
 * Handles one aggregation message: aggregates the round if it is ready, and takes over an
 * aggregation that has been stuck for `STUCK_AGGREGATION_SECONDS` (the sweep sends those too).
 */
export async function processAggregationMessage(deps: SchedulerDependencies, body: string): Promise<AggregationOutcome | null> {
  const message = aggregationMessageSchema.parse(JSON.parse(body));
  const outcome = await aggregateRoundIfReady(deps, message.roundId);
  if (outcome.outcome === 'not_open' && outcome.state === 'aggregating') {
    const stuckBefore = new Date(deps.now().getTime() - STUCK_AGGREGATION_SECONDS * 1000);
    return resumeStuckAggregation(deps, message.roundId, stuckBefore);
  }
  return outcome;
}

/**
 * Processes a batch record by record and reports the failed ones in `batchItemFailures`, so SQS
 * redelivers only those (and moves them to the dead-letter queue after the receive limit).
 */
export async function handleAggregationBatch(deps: SchedulerDependencies, event: SQSEvent): Promise<SQSBatchResponse> {
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      const outcome = await processAggregationMessage(deps, record.body);
      deps.logger.info({ messageId: record.messageId, outcome }, 'aggregation message processed');
    } catch (error) {
      deps.logger.error({ err: error, messageId: record.messageId }, 'aggregation message failed; SQS will deliver it again');
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
}

const loadDependencies = workerDependenciesLoader();

/** Lambda entry point of the aggregation worker (SQS event source with reportBatchItemFailures). */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  return handleAggregationBatch(await loadDependencies(), event);
}
