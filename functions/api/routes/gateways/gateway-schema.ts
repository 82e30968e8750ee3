import { z } from '@hono/zod-openapi';
import { GATEWAY_STATES } from '../../../../db/schema/index.js';
import type { GatewayRow } from '../../../services/gateways/create-gateway.js';
import { idSchema, timestampSchema } from '../../schemas/common.js';

export const gatewaySchema = z
  .object({
    id: idSchema('gateway'),
    organizationId: idSchema('organization'),
    name: z.string(),
    state: z.enum(GATEWAY_STATES),
    version: z.string().nullable(),
    capabilities: z.record(z.string(), z.unknown()).nullable(),
    lastSeenAt: timestampSchema.nullable(),
    enrolledAt: timestampSchema.nullable(),
    createdAt: timestampSchema,
  })
  .openapi('Gateway');

export const enrolmentTokenSchema = z
  .object({
    token: z.string().openapi({ description: 'Single-use enrolment token, shown only here.' }),
    expiresAt: timestampSchema,
  })
  .openapi('EnrolmentToken');

/** What a gateway reports about itself at enrolment and in every heartbeat. */
export const gatewayReportSchema = {
  version: z.string().min(1).max(64).openapi({ example: '0.1.0' }),
  capabilities: z
    .record(z.string().max(64), z.union([z.string().max(256), z.number(), z.boolean(), z.array(z.string().max(64)).max(64)]))
    .refine((value) => Object.keys(value).length <= 64, 'at most 64 capabilities')
    .default({})
    .openapi({ example: { computations: ['cox_newton', 'kaplan_meier'], onnxruntime: '1.31.1' } }),
};

export function toGateway(row: GatewayRow): z.infer<typeof gatewaySchema> {
  return {
    id: row.id,
    organizationId: row.organizationId,
    name: row.name,
    state: row.state,
    version: row.version,
    capabilities: row.capabilities,
    lastSeenAt: row.lastSeenAt?.toISOString() ?? null,
    enrolledAt: row.enrolledAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}
