import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../db/client.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Path of a gzip archive of a migrated, empty PGlite cluster. */
    pgliteSnapshotPath: string;
  }
}

/**
 * Vitest global setup. It gives the run its own temporary folder (TMPDIR, inherited by the test
 * workers and every process they start) and removes it at the end, so no test leaves files in the
 * system's temporary folder. Then it migrates one PGlite cluster and archives it there, so that
 * each test file starts its own database from the archive (about half a second) instead of
 * running initdb and every migration again (several seconds on a loaded 2-core machine).
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const runFolder = mkdtempSync(join(tmpdir(), 'onsite-test-run-'));
  process.env.TMPDIR = runFolder;
  const path = join(runFolder, 'pglite-migrated.tar.gz');

  const database = await openDatabase({ driver: 'pglite' });
  await database.migrate();
  if (!database.dumpSnapshot) throw new Error('the PGlite handle cannot archive its data directory');
  const archive = await database.dumpSnapshot();
  writeFileSync(path, Buffer.from(await archive.arrayBuffer()));
  await database.close();

  project.provide('pgliteSnapshotPath', path);
  return () => rmSync(runFolder, { recursive: true, force: true });
}
