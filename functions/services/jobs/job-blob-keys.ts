// Blob store keys of a job's artifacts. Each key starts with the job's organization id, so a
// bucket policy or a listing can be scoped to one tenant.

export function globalTensorsKey(organizationId: string, jobId: string, round: number): string {
  return `${organizationId}/jobs/${jobId}/rounds/${round}/global.safetensors`;
}

export function updateKey(organizationId: string, jobId: string, round: number, taskId: string): string {
  return `${organizationId}/jobs/${jobId}/rounds/${round}/tasks/${taskId}/update.safetensors`;
}

/** The model version a round produced (the server step's `modelTensors`). */
export function modelTensorsKey(organizationId: string, jobId: string, round: number): string {
  return `${organizationId}/jobs/${jobId}/rounds/${round}/model.safetensors`;
}

/**
 * Tag of site updates in the blob store. The S3 lifecycle rule of the deployment expires objects
 * with this tag after the retention the operator configures: an update is only an input of its
 * round's aggregation, while the model versions it produced stay.
 */
export const ROUND_UPDATE_TAG = { key: 'onsite-artifact', value: 'round-update' } as const;
