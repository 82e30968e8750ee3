import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Environment variable that moves the state folder when `--state` is not given. */
export const STATE_DIR_ENV = 'ONSITE_GATEWAY_STATE';

/** Default state folder name, in the home folder of the user running the gateway. */
export const DEFAULT_STATE_DIR_NAME = '.onsite-gateway';

/** Picks the state folder: the `--state` option, else `ONSITE_GATEWAY_STATE`, else `~/.onsite-gateway`. */
export function resolveStateDir(
  option: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
  home: string = homedir(),
): string {
  const chosen = option ?? (env[STATE_DIR_ENV] || undefined);
  return resolve(chosen ?? join(home, DEFAULT_STATE_DIR_NAME));
}

/** File and folder names inside a state folder. */
export function statePaths(stateDir: string) {
  return {
    root: stateDir,
    config: join(stateDir, 'config.json'),
    policy: join(stateDir, 'policy.json'),
    privateKey: join(stateDir, 'gateway-key.pem'),
    publicKey: join(stateDir, 'gateway-key.pub.pem'),
    datasets: join(stateDir, 'datasets'),
    auditLog: join(stateDir, 'audit.log'),
    auditLock: join(stateDir, 'audit.lock'),
    outbox: join(stateDir, 'outbox'),
    runtimeStatus: join(stateDir, 'status.json'),
  };
}
export type StatePaths = ReturnType<typeof statePaths>;

/** Creates the state folder and its subfolders, readable by the owner only. */
export async function ensureStateDir(stateDir: string): Promise<StatePaths> {
  const paths = statePaths(stateDir);
  await mkdir(paths.root, { recursive: true, mode: 0o700 });
  await mkdir(paths.datasets, { recursive: true, mode: 0o700 });
  await mkdir(paths.outbox, { recursive: true, mode: 0o700 });
  return paths;
}
