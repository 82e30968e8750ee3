import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { aggregationMessageSchema, buildAggregationMessage, SqsAggregationTrigger } from './sqs-aggregation-trigger.js';

const QUEUE_URL = 'https://sqs.eu-west-3.amazonaws.com/123456789012/onsite-aggregation';
const MESSAGE = { jobId: 'job_1', roundId: 'rnd_1', organizationId: 'org_1' };

describe('SQS aggregation trigger', () => {
  it('builds a message whose body parses back to the round', () => {
    const input = buildAggregationMessage(QUEUE_URL, MESSAGE);

    expect(input.QueueUrl).toBe(QUEUE_URL);
    expect(aggregationMessageSchema.parse(JSON.parse(input.MessageBody ?? ''))).toEqual(MESSAGE);
    expect(input.MessageAttributes?.roundId).toEqual({ DataType: 'String', StringValue: 'rnd_1' });
  });

  it.each([
    ['a missing round id', { jobId: 'job_1', organizationId: 'org_1' }],
    ['an empty job id', { ...MESSAGE, jobId: '' }],
    ['an unknown field', { ...MESSAGE, extra: 1 }],
  ])('refuses to build a message with %s', (_name, message) => {
    expect(() => buildAggregationMessage(QUEUE_URL, message as never)).toThrow();
  });

  it('sends one SendMessage command per notification', async () => {
    const sent: unknown[] = [];
    const trigger = new SqsAggregationTrigger(
      {
        send: (command: unknown) => {
          sent.push(command);
          return Promise.resolve({});
        },
      } as never,
      QUEUE_URL,
    );

    await trigger.notifyResultSubmitted(MESSAGE);

    expect(sent).toHaveLength(1);
    expect(sent[0]).toBeInstanceOf(SendMessageCommand);
    expect((sent[0] as SendMessageCommand).input).toEqual(buildAggregationMessage(QUEUE_URL, MESSAGE));
  });
});
