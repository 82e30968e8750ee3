import { Scalar } from '@scalar/hono-api-reference';
import type { ApiApp } from '../app.js';
import { buildOpenApiDocument } from './document.js';

/** Serves the generated contract at /openapi.json and an interactive reference at /docs. */
export function registerDocsRoutes(app: ApiApp): void {
  app.get('/openapi.json', (c) => c.json(buildOpenApiDocument(app, new URL(c.req.url).origin)));
  app.get('/docs', Scalar({ url: '/openapi.json', pageTitle: 'Onsite API reference' }));
  app.get('/health', (c) => c.json({ status: 'ok' }));
}
