import { ApiError } from '../../api/errors/api-error.js';
import type { ProjectRow } from './get-visible-project.js';

/** Raises 409 `invalid_state` unless the project accepts changes; a project is frozen when its partnership ends. */
export function assertProjectActive(project: Pick<ProjectRow, 'id' | 'state'>): void {
  if (project.state !== 'active') {
    throw new ApiError('invalid_state', `project ${project.id} is ${project.state}; a frozen project accepts no changes because its partnership has ended`);
  }
}
