import { aggregateRoundIfReady } from './aggregate-round.js';
import type { SchedulerDependencies } from './scheduler-dependencies.js';

/**
 * Tells the aggregator that a round may be ready after a result or a refusal. With a trigger
 * configured (SQS on AWS) the message is sent and a worker aggregates; without one (the local
 * process) the round is checked inline. A failure here is logged, not raised: the change is
 * already committed, and the sweep finds any ready round on its next pass.
 */
export async function announceRoundChange(deps: SchedulerDependencies, message: { jobId: string; roundId: string; organizationId: string }): Promise<void> {
  try {
    if (deps.aggregationTrigger) {
      await deps.aggregationTrigger.notifyResultSubmitted(message);
      return;
    }
    await aggregateRoundIfReady(deps, message.roundId);
  } catch (error) {
    deps.logger.error({ err: error, jobId: message.jobId, roundId: message.roundId }, 'could not start the aggregation check; the sweep will retry it');
  }
}
