#!/usr/bin/env node
// Entry point of the `onsite-gateway` command. Everything but wiring the process lives in program.ts.
import { createRegisterWithCloud, isEnrolled } from './cloud/register-dataset.js';
import { runCli } from './program.js';
import { resolveStateDir } from './state/index.js';

/**
 * Returns the value of the global `--state` option (`--state DIR` or `--state=DIR`), the last one
 * winning as in commander, so the entry point can look at the state folder before parsing.
 */
function stateOption(argv: readonly string[]): string | undefined {
  let value: string | undefined;
  for (const [index, argument] of argv.entries()) {
    if (argument === '--') break;
    if (argument === '--state') value = argv[index + 1];
    else if (argument.startsWith('--state=')) value = argument.slice('--state='.length);
  }
  return value;
}

// `dataset add` registers in the cloud only on an enrolled gateway; otherwise datasets stay local.
const stateDir = resolveStateDir(stateOption(process.argv.slice(2)), process.env);

process.exitCode = await runCli(process.argv, {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  ...((await isEnrolled(stateDir).catch(() => false)) ? { registerWithCloud: createRegisterWithCloud() } : {}),
});
