import { ApiProblemError, createApiClient, dataOrThrow, type ApiClient } from './api-client.js';
import { claimedTaskSchema, uploadTargetSchema, type ClaimedTask, type UploadTarget } from './claimed-task.js';

/** The fetch the gateway sends every request through; tests wrap it to watch or cut the network. */
export type FetchFunction = (request: Request) => Promise<Response>;

/** Version and capabilities the gateway reports at enrolment and in every heartbeat. */
export interface GatewayReport {
  version: string;
  capabilities: Record<string, string | number | boolean | string[]>;
}

/** The signed fields of a result, as `tasks.submitResult` takes them. */
export interface ResultSubmission {
  leaseToken: string;
  artifactKey: string;
  artifactSha256: string;
  sampleCount: number;
  metrics: Record<string, number>;
  signature: string;
}

/** The cloud operations an enrolled gateway calls, with its credential. Each throws `ApiProblemError` on failure. */
export interface GatewayCloud {
  heartbeat(report: GatewayReport): Promise<{ serverTime: string }>;
  /** Leases the next task, waiting up to `waitSeconds`; undefined when none is ready. */
  claimTask(waitSeconds: number, signal?: AbortSignal): Promise<ClaimedTask | undefined>;
  heartbeatTask(taskId: string, leaseToken: string): Promise<void>;
  createUploadUrl(taskId: string, leaseToken: string, sizeBytes: number): Promise<UploadTarget>;
  completeUpload(taskId: string, leaseToken: string, uploadId: string, parts: { partNumber: number; etag: string }[]): Promise<void>;
  submitResult(taskId: string, submission: ResultSubmission): Promise<{ resultId: string; created: boolean }>;
  refuseTask(taskId: string, leaseToken: string | undefined, reason: string): Promise<void>;
}

export interface GatewayCloudOptions {
  apiUrl: string;
  credential: string;
  fetch?: FetchFunction;
}

export function createGatewayCloud(options: GatewayCloudOptions): GatewayCloud {
  const client: ApiClient = createApiClient({
    baseUrl: options.apiUrl,
    token: options.credential,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  const taskPath = (taskId: string) => ({ params: { path: { taskId } } });

  return {
    async heartbeat(report) {
      const body = dataOrThrow(await client.POST('/v1/gateway/heartbeat', { body: report }));
      return { serverTime: body.serverTime };
    },

    async claimTask(waitSeconds, signal) {
      const result = await client.POST('/v1/tasks/claim', {
        params: { query: { waitSeconds } },
        ...(signal === undefined ? {} : { signal }),
      });
      if (result.response.status === 204) {
        return undefined;
      }
      const parsed = claimedTaskSchema.safeParse(dataOrThrow(result));
      if (!parsed.success) {
        const issues = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
        throw new Error(`the cloud returned a claimed task this gateway cannot read (${issues}); update the gateway`);
      }
      return parsed.data;
    },

    async heartbeatTask(taskId, leaseToken) {
      dataOrThrow(await client.POST('/v1/tasks/{taskId}/heartbeat', { ...taskPath(taskId), body: { leaseToken } }));
    },

    async createUploadUrl(taskId, leaseToken, sizeBytes) {
      const body = dataOrThrow(await client.POST('/v1/tasks/{taskId}/upload-url', { ...taskPath(taskId), body: { leaseToken, sizeBytes } }));
      return uploadTargetSchema.parse(body);
    },

    async completeUpload(taskId, leaseToken, uploadId, parts) {
      dataOrThrow(await client.POST('/v1/tasks/{taskId}/upload-complete', { ...taskPath(taskId), body: { leaseToken, uploadId, parts } }));
    },

    async submitResult(taskId, submission) {
      const result = await client.POST('/v1/tasks/{taskId}/result', { ...taskPath(taskId), body: submission });
      const body = dataOrThrow(result);
      return { resultId: body.id, created: result.response.status === 201 };
    },

    async refuseTask(taskId, leaseToken, reason) {
      dataOrThrow(
        await client.POST('/v1/tasks/{taskId}/refuse', {
          ...taskPath(taskId),
          body: { reason, ...(leaseToken === undefined ? {} : { leaseToken }) },
        }),
      );
    },
  };
}

export { ApiProblemError };
