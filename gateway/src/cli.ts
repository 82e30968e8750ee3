#!/usr/bin/env node
// Entry point of the `onsite-gateway` command. Everything but wiring the process lives in program.ts.
import { createRegisterWithCloud } from './cloud/register-dataset.js';
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv, {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  registerWithCloud: createRegisterWithCloud(),
});
