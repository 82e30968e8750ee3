import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { ERROR_CODES, ERROR_CODE_NAMES, problemType, type ErrorCode } from './error-codes.js';
import type { FieldError } from './api-error.js';

/** RFC 9457 problem details, plus the error code and the request id. */
export const problemSchema = z
  .object({
    type: z.string().openapi({ example: 'urn:onsite:problem:not_found' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.enum(ERROR_CODE_NAMES),
    requestId: z.string(),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: 'Every invalid field, with its path in the request.' }),
  })
  .openapi('Problem');

export type Problem = z.infer<typeof problemSchema>;

export function buildProblem(code: ErrorCode, detail: string, requestId: string, errors?: FieldError[]): Problem {
  const { status, title } = ERROR_CODES[code];
  return { type: problemType(code), title, status, detail, code, requestId, ...(errors && errors.length > 0 ? { errors } : {}) };
}

/** Sends a problem with `application/problem+json`. */
export function sendProblem(c: Context, problem: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { 'content-type': 'application/problem+json', 'x-request-id': problem.requestId, ...headers },
  });
}
