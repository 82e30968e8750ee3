import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Scalar } from '@scalar/hono-api-reference';
import type { ApiApp } from '../app.js';
import { buildOpenApiDocument } from './document.js';

const STANDALONE_PATH = join('node_modules', '@scalar', 'api-reference', 'dist', 'browser', 'standalone.js');

/**
 * Finds Scalar's browser bundle in an installed node_modules above this file. The local server
 * serves it itself, so /docs works with no network. A Lambda bundle ships without it, and the page
 * then loads the script from Scalar's CDN in the reader's browser.
 */
function findLocalScalarBundle(): string | undefined {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(folder, STANDALONE_PATH);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(folder);
    if (parent === folder) return undefined;
    folder = parent;
  }
}

/** Serves the generated contract at /openapi.json, an interactive reference at /docs and /health. */
export function registerDocsRoutes(app: ApiApp): void {
  const localBundle = findLocalScalarBundle();
  if (localBundle) {
    let script: string | undefined;
    app.get('/docs/scalar.js', (c) => {
      script ??= readFileSync(localBundle, 'utf8');
      return c.body(script, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=86400' });
    });
  }

  app.get('/openapi.json', (c) => c.json(buildOpenApiDocument(app, new URL(c.req.url).origin)));
  app.get(
    '/docs',
    Scalar({
      url: '/openapi.json',
      pageTitle: 'Onsite API reference',
      ...(localBundle ? { cdn: '/docs/scalar.js' } : {}),
      // The reference must not contact third parties from a hospital's browser: no hosted fonts,
      // no telemetry, no hosted AI assistant, and requests sent straight to this API, not through
      // Scalar's proxy.
      withDefaultFonts: false,
      telemetry: false,
      hideClientButton: true,
      showDeveloperTools: 'never',
      // The schema list would sit under a "Models" heading next to the "models" operations.
      hideModels: true,
      proxyUrl: '',
      // Accepted by Scalar's script 1.76 (the assistant's settings), not yet typed by the Hono package.
      ...({ agent: { disabled: true } } as Record<string, unknown>),
    }),
  );
  app.get('/health', (c) => c.json({ status: 'ok' }));
}
