import type { ApiApp } from '../../app.js';
import * as createApiKey from './create-api-key.js';
import * as listApiKeys from './list-api-keys.js';
import * as revokeApiKey from './revoke-api-key.js';

export function registerApiKeyRoutes(app: ApiApp): void {
  createApiKey.register(app);
  listApiKeys.register(app);
  revokeApiKey.register(app);
}
