import { SendMessageCommand, SQSClient, type SendMessageCommandInput } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import type { AggregationTrigger } from '../api/context.js';

/** Body of one aggregation message: the round that may be ready, with its job and organization. */
export const aggregationMessageSchema = z
  .object({
    jobId: z.string().min(1),
    roundId: z.string().min(1),
    organizationId: z.string().min(1),
  })
  .strict();

export type AggregationMessage = z.infer<typeof aggregationMessageSchema>;

/**
 * Builds the SendMessage request for one round. The body is the JSON message; the round id is
 * repeated as a message attribute so queue tooling can filter without parsing bodies.
 */
export function buildAggregationMessage(queueUrl: string, message: AggregationMessage): SendMessageCommandInput {
  const body = aggregationMessageSchema.parse(message);
  return {
    QueueUrl: queueUrl,
    MessageBody: JSON.stringify(body),
    MessageAttributes: {
      roundId: { DataType: 'String', StringValue: body.roundId },
      jobId: { DataType: 'String', StringValue: body.jobId },
    },
  };
}

/**
 * Announces submitted results on the aggregation queue; the aggregation worker consumes it. The
 * queue may deliver a message twice and several results of one round send several messages: both
 * are harmless because the aggregation runs at most once per round (see aggregateRoundIfReady).
 */
export class SqsAggregationTrigger implements AggregationTrigger {
  constructor(
    private readonly client: Pick<SQSClient, 'send'>,
    private readonly queueUrl: string,
  ) {}

  async notifyResultSubmitted(message: AggregationMessage): Promise<void> {
    await this.client.send(new SendMessageCommand(buildAggregationMessage(this.queueUrl, message)));
  }
}

/** The trigger for a queue URL, with an SQS client for the region (the Lambda's own when omitted). */
export function createSqsAggregationTrigger(queueUrl: string, region?: string): SqsAggregationTrigger {
  return new SqsAggregationTrigger(new SQSClient(region ? { region } : {}), queueUrl);
}
