import { createLogger } from '../../logging/logger.js';
import { createApp, type ApiApp } from '../app.js';
import type { AppDependencies } from '../context.js';

/**
 * An app built only to read its route definitions: generating the contract must not need a
 * database or a blob store, so those dependencies throw if anything tries to use them.
 */
export function createContractApp(): ApiApp {
  const unavailable = new Proxy(
    {},
    {
      get(_target, property) {
        throw new Error(`the contract app has no runtime dependencies (accessed ${String(property)})`);
      },
    },
  );
  const deps: AppDependencies = {
    db: unavailable as AppDependencies['db'],
    blobStore: unavailable as AppDependencies['blobStore'],
    logger: createLogger({ level: 'silent' }),
    maxRequestBytes: 1024 * 1024,
    publicBaseUrl: 'http://127.0.0.1:8787',
  };
  return createApp(deps);
}
