import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LOCAL_ONLY_MODULES, esbuildOptionsFor } from './bundling.js';
import { HANDLER_ENTRIES, handlerEntryPath, listMissingHandlerEntries, type HandlerName } from './handlers.js';

/**
 * Budget for the minified API bundle, in bytes (1 MiB). Lambda loads and compiles the whole file
 * on a cold start, so growth here is paid on every cold start.
 *
 * The bundle measured 912,385 bytes on 2026-12-05, after zod's locales other than English were
 * left out (see ZOD_ALIAS_TARGET in bundling.ts). The largest inputs were zod 179 KiB, the shared
 * compute package (computation registry, weights format, model specs) 135 KiB with the code it
 * pulls in from protobufjs (108 KiB) and onnxruntime-web with onnxruntime-common (48 KiB), and
 * drizzle-orm 94 KiB.
 */
const API_BUNDLE_BUDGET_BYTES = 1_048_576;

/** Sums the bytes each npm package (or repository folder) contributes to one output file. */
function summarizeBundleInputs(output: Metafile['outputs'][string]): Array<[string, number]> {
  const bytesByOrigin = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const origin = match?.[1] ?? path.split('/').slice(0, 2).join('/');
    bytesByOrigin.set(origin, (bytesByOrigin.get(origin) ?? 0) + bytesInOutput);
  }

  return [...bytesByOrigin].sort((a, b) => b[1] - a[1]);
}

/** Matches an import path against an esbuild `external` pattern, where `*` matches anything. */
function matchesExternalPattern(path: string, pattern: string): boolean {
  const [prefix, suffix] = pattern.split('*');
  if (suffix === undefined) {
    return path === pattern || path.startsWith(`${pattern}/`);
  }

  return path.startsWith(prefix ?? '') && path.endsWith(suffix);
}

/** Bundles one handler as the stacks do and returns the metafile entry of its index.mjs. */
async function bundleHandler(name: HandlerName, outdir: string): Promise<Metafile['outputs'][string]> {
  const result = await build({ ...esbuildOptionsFor(handlerEntryPath(name), outdir), metafile: true });
  const entry = Object.entries(result.metafile.outputs).find(([path]) => path.endsWith('index.mjs'));
  if (entry === undefined) {
    throw new Error(`esbuild wrote no index.mjs for ${name}: ${Object.keys(result.metafile.outputs).join(', ')}`);
  }

  return entry[1];
}

const missingEntries = listMissingHandlerEntries();

describe.each(Object.keys(HANDLER_ENTRIES) as HandlerName[])('%s bundle', (name) => {
  const entryMissing = missingEntries.includes(HANDLER_ENTRIES[name]);
  let outdir: string;
  let output: Metafile['outputs'][string];

  beforeAll(async () => {
    if (entryMissing) {
      return;
    }
    outdir = mkdtempSync(join(tmpdir(), `onsite-${name}-bundle-`));
    output = await bundleHandler(name, outdir);
  });

  afterAll(() => {
    if (outdir !== undefined) {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it.skipIf(entryMissing)(
    entryMissing ? `loads local database drivers lazily (skipped: ${HANDLER_ENTRIES[name]} does not exist yet)` : 'loads local database drivers lazily',
    () => {
      const staticLocalImports = output.imports.filter(
        (imported) =>
          imported.external === true &&
          imported.kind !== 'dynamic-import' &&
          LOCAL_ONLY_MODULES.some((pattern) => matchesExternalPattern(imported.path, pattern)),
      );

      expect(staticLocalImports).toEqual([]);
    },
  );

  it.skipIf(entryMissing)('leaves the AWS SDK to the Lambda runtime', () => {
    const bundledSdkInputs = Object.keys(output.inputs).filter((path) => path.includes('node_modules/@aws-sdk/'));

    expect(bundledSdkInputs).toEqual([]);
  });

  it.skipIf(entryMissing)('bundles no zod locale but English', () => {
    const otherLocales = Object.keys(output.inputs).filter(
      (path) => path.includes('node_modules/zod/v4/locales/') && !path.endsWith('/locales/en.js'),
    );

    expect(otherLocales).toEqual([]);
  });
});

const apiEntryMissing = missingEntries.includes(HANDLER_ENTRIES.api);
const describeApiBundle = apiEntryMissing ? describe.skip : describe;
const title = apiEntryMissing ? 'API bundle size (skipped: functions/api/lambda.ts does not exist yet)' : 'API bundle size';

describeApiBundle(title, () => {
  let outdir: string;
  let bundleBytes: number;
  let output: Metafile['outputs'][string];

  beforeAll(async () => {
    outdir = mkdtempSync(join(tmpdir(), 'onsite-api-bundle-'));
    output = await bundleHandler('api', outdir);
    bundleBytes = statSync(join(outdir, 'index.mjs')).size;
  });

  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  it('stays within its budget', () => {
    const largest = summarizeBundleInputs(output)
      .slice(0, 8)
      .map(([origin, bytes]) => `${origin} ${(bytes / 1024).toFixed(0)} KiB`)
      .join(', ');

    expect(bundleBytes, `API bundle is ${bundleBytes} bytes; largest inputs: ${largest}`).toBeLessThanOrEqual(
      API_BUNDLE_BUDGET_BYTES,
    );
  });
});
