import { loadCloudEnv, type CloudEnv } from '../config/env.js';
import type { LocalState } from './local-state.js';

/**
 * Builds the settings of `npm start` from the local state folder and the environment, which wins
 * over the folder's defaults. Gateways download and upload tensors at PUBLIC_BASE_URL, so unless
 * it is set it follows PORT: otherwise an API on another port would sign links to port 8787.
 */
export function localCloudEnv(state: LocalState, environment: NodeJS.ProcessEnv): CloudEnv {
  const variables = {
    PGLITE_DATA_DIR: state.databaseDir,
    BLOB_DIR: state.blobDir,
    BLOB_SIGNING_SECRET: state.blobSigningSecret,
    OPERATOR_TOKEN: state.operatorToken,
    ...environment,
  };
  const parsed = loadCloudEnv(variables);
  if (environment.PUBLIC_BASE_URL) return parsed;
  return loadCloudEnv({ ...variables, PUBLIC_BASE_URL: `http://127.0.0.1:${parsed.PORT}` });
}
