import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './generated/openapi.js';

export type Problem = components['schemas']['Problem'];
export type ApiClient = Client<paths>;

export interface ApiClientOptions {
  /** Root URL of the cloud API, without `/v1` (for example `https://api.example.org`). */
  baseUrl: string;
  /**
   * Bearer secret sent on every request: the gateway credential (`ongw_…`) or an API key. Omitted
   * for the enrolment route, which the token in its body authenticates.
   */
  token?: string;
  /** Fetch implementation; defaults to the global `fetch`. Tests pass the in-process app here. */
  fetch?: (request: Request) => Promise<Response>;
}

/**
 * Creates a typed client of the cloud API from the generated `paths` of openapi.yaml, so a
 * renamed field or route breaks the gateway's type check instead of failing at run time.
 */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const send = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    ...(options.token === undefined ? {} : { headers: { authorization: `Bearer ${options.token}` } }),
    fetch: (request: Request) =>
      send(request).catch((error: unknown) => {
        throw new CloudUnreachableError(request.url, error);
      }),
  });
}

/**
 * A request that got no HTTP response (connection refused, DNS failure, reset). It stays a
 * TypeError, as fetch's own error is, and names the address and the system error so an operator
 * can tell a wrong `--api` from a network outage.
 */
export class CloudUnreachableError extends TypeError {
  override name = 'CloudUnreachableError';
  constructor(url: string, cause: unknown) {
    const origin = URL.canParse(url) ? new URL(url).origin : url;
    // undici puts the system error (ECONNREFUSED, ENOTFOUND, "bad port") under the TypeError's cause.
    const inner = (cause as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
    const reason =
      typeof inner?.code === 'string' ? inner.code : typeof inner?.message === 'string' ? inner.message : cause instanceof Error ? cause.message : String(cause);
    super(`could not reach the Onsite API at ${origin} (${reason}); check the API URL and the network`, { cause });
  }
}

/** An RFC 9457 problem returned by the API, or a failed response that was not one (code `unexpected_response`). */
export class ApiProblemError extends Error {
  override name = 'ApiProblemError';
  readonly status: number;
  readonly code: Problem['code'] | 'unexpected_response';
  readonly detail: string;
  readonly errors: NonNullable<Problem['errors']>;
  /** Request id to quote to the cloud operator; from the body, else the `x-request-id` header. */
  readonly requestId: string | undefined;

  constructor(response: Response, body: unknown) {
    const problem = isProblem(body) ? body : undefined;
    const detail = problem?.detail ?? `the API returned HTTP ${response.status} without a problem body`;
    super(`${response.status} ${problem?.code ?? 'unexpected_response'}: ${detail}`);
    this.status = response.status;
    this.code = problem?.code ?? 'unexpected_response';
    this.detail = detail;
    this.errors = problem?.errors ?? [];
    this.requestId = problem?.requestId ?? response.headers.get('x-request-id') ?? undefined;
  }
}

function isProblem(body: unknown): body is Problem {
  if (typeof body !== 'object' || body === null) return false;
  const candidate = body as Record<string, unknown>;
  return typeof candidate.code === 'string' && typeof candidate.detail === 'string' && typeof candidate.status === 'number';
}

/**
 * Returns the body of a successful openapi-fetch result and throws `ApiProblemError` for any
 * other. Use it around every call: `const gateway = dataOrThrow(await client.GET('/v1/gateway'))`.
 */
export function dataOrThrow<Data>(result: { data?: Data; error?: unknown; response: Response }): Data {
  // A 204 or an empty 2xx body has no data, and that is still a success.
  if (result.response.ok) return result.data as Data;
  throw new ApiProblemError(result.response, result.error);
}
