import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The local cloud's state folder (`.onsite/` by default, `ONSITE_HOME` to move it): the PGlite
 * data directory, the filesystem blob store, and the operator token and blob-signing secret,
 * generated on first start and kept so presigned URLs and the token survive a restart.
 */
export interface LocalState {
  home: string;
  databaseDir: string;
  blobDir: string;
  operatorToken: string;
  blobSigningSecret: string;
}

function readOrCreateSecret(path: string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  return secret;
}

export function localStatePaths(home = process.env.ONSITE_HOME ?? '.onsite'): { home: string; operatorTokenFile: string } {
  const absolute = resolve(home);
  return { home: absolute, operatorTokenFile: join(absolute, 'operator-token') };
}

export function openLocalState(home?: string): LocalState {
  const paths = localStatePaths(home);
  mkdirSync(paths.home, { recursive: true, mode: 0o700 });
  return {
    home: paths.home,
    databaseDir: join(paths.home, 'db'),
    blobDir: join(paths.home, 'blobs'),
    operatorToken: readOrCreateSecret(paths.operatorTokenFile),
    blobSigningSecret: readOrCreateSecret(join(paths.home, 'blob-signing-secret')),
  };
}
