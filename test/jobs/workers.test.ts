import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { and, eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { rounds, tasks } from '../../db/schema/index.js';
import type { AggregationTrigger } from '../../functions/api/context.js';
import { startSweepTimer, sweep } from '../../functions/services/jobs/sweep.js';
import { handleAggregationBatch } from '../../functions/workers/aggregate-lambda.js';
import { databaseTargets } from '../support/database.js';
import { createMeanJob, readJob, seedProject, startJobsApi, TestGateway, type JobsApi } from './support/job-fixtures.js';
import { meanContribution } from './support/mean-computation.js';

class RecordingTrigger implements AggregationTrigger {
  messages: Array<{ jobId: string; roundId: string; organizationId: string }> = [];
  notifyResultSubmitted(message: { jobId: string; roundId: string; organizationId: string }): Promise<void> {
    this.messages.push(message);
    return Promise.resolve();
  }
}

function sqsRecord(messageId: string, body: string): SQSRecord {
  return {
    messageId,
    receiptHandle: `receipt-${messageId}`,
    body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'test', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-3:123456789012:onsite-aggregation',
    awsRegion: 'eu-west-3',
  };
}

describe.each(databaseTargets())('scheduler workers on %s', (target) => {
  let api: JobsApi;

  beforeAll(async () => {
    api = await startJobsApi(target);
  });

  afterEach(() => {
    delete api.runtime.deps.aggregationTrigger;
    vi.useRealTimers();
  });

  afterAll(async () => {
    await api.close();
  });

  it('aggregates from queue messages and reports only the failed records', async () => {
    const trigger = new RecordingTrigger();
    api.runtime.deps.aggregationTrigger = trigger;
    const project = await seedProject(api, { hospitalCount: 2, label: 'queue' });
    const job = await createMeanJob(api, project);
    for (const seeded of project.gateways) await new TestGateway(api, seeded).contribute(meanContribution(10, 2), 2);
    expect(trigger.messages).toHaveLength(2);

    const event: SQSEvent = {
      Records: [
        sqsRecord('first', JSON.stringify(trigger.messages[0])),
        sqsRecord('duplicate', JSON.stringify(trigger.messages[1])),
        sqsRecord('malformed', '{"roundId": 42}'),
        sqsRecord('unknown-round', JSON.stringify({ jobId: job.id, roundId: 'rnd_missing', organizationId: project.partnerId })),
      ],
    };
    const response = await handleAggregationBatch(api.scheduler(), event);

    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(['malformed', 'unknown-round']);
    const jobRounds = await api.runtime.deps.db.select().from(rounds).where(eq(rounds.jobId, job.id));
    expect(jobRounds.map((round) => `${round.number}:${round.state}`).sort()).toEqual(['1:completed', '2:open']);
  });

  it('sweep queues ready rounds for the worker', async () => {
    const project = await seedProject(api, { hospitalCount: 1, label: 'sweep-queue' });
    const job = await createMeanJob(api, project);
    const trigger = new RecordingTrigger();
    api.runtime.deps.aggregationTrigger = trigger;
    await new TestGateway(api, project.gateways[0] ?? (undefined as never)).contribute(meanContribution(10, 2), 2);
    trigger.messages.length = 0;

    await sweep({ ...api.scheduler(), aggregationTrigger: trigger });

    expect(trigger.messages.map((message) => message.jobId)).toContain(job.id);
    const [round] = await api.runtime.deps.db.select().from(rounds).where(and(eq(rounds.jobId, job.id), eq(rounds.number, 1)));
    expect(round?.state).toBe('open');
  });

  it('runs the sweep on its timer', async () => {
    const project = await seedProject(api, { hospitalCount: 1, label: 'timer' });
    const job = await createMeanJob(api, project, { leaseSeconds: 60 });
    const task = await new TestGateway(api, project.gateways[0] ?? (undefined as never)).claimOrFail();
    api.clock.advanceSeconds(61);
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });

    const stop = startSweepTimer(api.scheduler(), 60_000);
    vi.advanceTimersByTime(60_000);

    await vi.waitFor(async () => {
      const [row] = await api.runtime.deps.db.select().from(tasks).where(eq(tasks.id, task.taskId));
      expect(row?.state).toBe('pending');
    });
    await stop();
    expect((await readJob(api, project, job.id)).state).toBe('running');
  });
});
