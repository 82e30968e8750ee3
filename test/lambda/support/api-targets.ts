import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { handler as apiHandler } from '../../../functions/api/lambda.js';
import type { ApiApp } from '../../../functions/api/app.js';

/** One API request, described once and sent to either target. */
export interface ApiRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  /** Query string without the leading `?`, as API Gateway passes it in `rawQueryString`. */
  query?: string;
  /** Sent as `authorization: Bearer <token>`. */
  token?: string;
  /** Serialized as JSON with `content-type: application/json`. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Lambda only: send the body base64-encoded with `isBase64Encoded: true`, as API Gateway does for binary media. */
  base64Body?: boolean;
}

/** A response read in full, with lower-case header names. */
export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  contentType: string | null;
  text: string;
  /** The body parsed as JSON, or null when it is empty or not JSON. */
  json: unknown;
}

/** Something that serves API requests: the bundled Lambda handler or the local app. */
export interface ApiTarget {
  name: string;
  send(request: ApiRequest): Promise<ApiResponse>;
}

export type BundledApiHandler = typeof apiHandler;

/** Result fields the handler returns for a payload format 2.0 event. */
interface HttpApiResult {
  statusCode: number;
  headers?: Record<string, string | string[]>;
  body: string;
  isBase64Encoded: boolean;
  cookies?: string[];
}

/** Builds the request headers both targets receive, lower-case as API Gateway v2 passes them. */
function requestHeaders(request: ApiRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
  if (request.token !== undefined) headers.authorization = `Bearer ${request.token}`;
  if (request.body !== undefined) headers['content-type'] ??= 'application/json';
  return headers;
}

function serializeBody(request: ApiRequest): string | undefined {
  if (request.body === undefined) return undefined;
  return typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/**
 * Builds an API Gateway HTTP API event (payload format version 2.0) for the `$default` route, with
 * the fields AWS fills in for a request from the internet, typed by `APIGatewayProxyEventV2` of
 * @types/aws-lambda.
 */
export function buildHttpApiEvent(request: ApiRequest): APIGatewayProxyEventV2 {
  const body = serializeBody(request);
  const headers: Record<string, string> = {
    host: 'api.onsite.test',
    'user-agent': 'onsite-lambda-test',
    'x-forwarded-for': '127.0.0.1',
    'x-forwarded-proto': 'https',
    ...requestHeaders(request),
  };
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  const now = new Date();

  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: request.path,
    rawQueryString: request.query ?? '',
    headers,
    ...(request.query ? { queryStringParameters: Object.fromEntries(new URLSearchParams(request.query)) } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'onsitetest',
      domainName: 'api.onsite.test',
      domainPrefix: 'api',
      http: { method: request.method, path: request.path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'onsite-lambda-test' },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: request.base64Body === true,
    ...(body !== undefined ? { body: request.base64Body === true ? Buffer.from(body, 'utf8').toString('base64') : body } : {}),
  };
}

/** Builds a Lambda context like the one the Node.js runtime passes. The API reads none of it, but Hono forwards it. */
function buildLambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'onsite-api',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-3:123456789012:function:onsite-api',
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/onsite-api',
    logStreamName: '2026/12/04/[$LATEST]onsitetest',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Invokes the bundled handler in-process, as the Lambda runtime does, and decodes its result. */
export function lambdaTarget(handler: BundledApiHandler): ApiTarget & { invoke(event: APIGatewayProxyEventV2): Promise<HttpApiResult> } {
  const invoke = async (event: APIGatewayProxyEventV2): Promise<HttpApiResult> => {
    // Hono's own event type (hono 4.13) requires fields that API Gateway leaves out of a request
    // with no body and no authorizer (`body`, `requestContext.authorizer`). Its handler only tests
    // `body` for truthiness and never reads the authorizer, and @types/aws-lambda matches AWS.
    const result = await handler(event as unknown as Parameters<BundledApiHandler>[0], buildLambdaContext());
    return result as HttpApiResult;
  };

  return {
    name: 'lambda',
    invoke,
    async send(request) {
      const result = await invoke(buildHttpApiEvent(request));
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
      const text = result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString('utf8') : result.body;
      return { status: result.statusCode, headers, contentType: headers['content-type'] ?? null, text, json: parseJson(text) };
    },
  };
}

/** Sends requests to the app in-process with `app.request()`, as the local server's tests do. */
export function localTarget(app: ApiApp): ApiTarget {
  return {
    name: 'local',
    async send(request) {
      const body = serializeBody(request);
      const url = request.query ? `${request.path}?${request.query}` : request.path;
      const response = await app.request(url, { method: request.method, headers: requestHeaders(request), ...(body !== undefined ? { body } : {}) });
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        headers[name] = value;
      });
      const text = await response.text();
      return { status: response.status, headers, contentType: response.headers.get('content-type'), text, json: parseJson(text) };
    },
  };
}
