import type { ApiApp } from '../app.js';

/**
 * Maps Hono's matched route pattern (`POST /v1/api-keys/:apiKeyId/revoke`) to the operation id of
 * the route definition (`apiKeys.revoke`), so that logs name the operation the way the OpenAPI
 * contract and the generated SDKs do.
 */
export function operationIdsByRoute(app: ApiApp): Map<string, string> {
  const table = new Map<string, string>();
  for (const definition of app.openAPIRegistry.definitions) {
    if (definition.type !== 'route' || !definition.route.operationId) continue;
    const pattern = definition.route.path.replace(/\{([^}]+)\}/g, ':$1');
    table.set(`${definition.route.method.toUpperCase()} ${pattern}`, definition.route.operationId);
  }
  return table;
}
