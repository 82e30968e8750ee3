// Measures how long Node.js takes to import a bundled Lambda handler: the part of a cold start
// that the code controls. Each sample runs in a fresh `node` process, so no module cache helps.
//
//   npx tsx bench/lambda-import.ts [--handler api] [--samples 20] [--no-record]
//
// The handler is bundled with the options the CDK stacks use (infra/bundling.ts), and the
// figures are recorded in docs/benchmarks.md with the machine they ran on.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { build } from 'esbuild';

import { PROJECT_ROOT, esbuildOptionsFor } from '../infra/bundling.js';
import { HANDLER_ENTRIES, handlerEntryPath, type HandlerName } from '../infra/handlers.js';
import { insertSectionRow } from './benchmarks-page.js';

const BENCHMARKS_PAGE = join(PROJECT_ROOT, 'docs', 'benchmarks.md');
const SECTION_HEADING = '## Lambda handler import time';

// Placeholder resource names for the handler's environment parsing. Importing a handler must not
// call AWS, and the instance metadata lookup stays off so that nothing probes the network.
const HANDLER_ENVIRONMENT: Record<string, string> = {
  DATABASE_DRIVER: 'aws-data-api',
  DATABASE_CLUSTER_ARN: 'arn:aws:rds:eu-west-3:000000000000:cluster:onsite-bench',
  DATABASE_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-3:000000000000:secret:onsite-bench',
  DATABASE_NAME: 'onsite',
  BLOB_STORE: 's3',
  BLOB_BUCKET: 'onsite-bench',
  AGGREGATION_QUEUE_URL: 'https://sqs.eu-west-3.amazonaws.com/000000000000/onsite-bench',
  PUBLIC_BASE_URL: 'https://api.onsite.invalid',
  LOG_LEVEL: 'silent',
  MAX_REQUEST_BYTES: '1048576',
  AWS_REGION: 'eu-west-3',
  AWS_EC2_METADATA_DISABLED: 'true',
  NODE_OPTIONS: '--enable-source-maps',
};

interface Options {
  handler: HandlerName;
  samples: number;
  record: boolean;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      handler: { type: 'string', default: 'api' },
      samples: { type: 'string', default: '20' },
      'no-record': { type: 'boolean', default: false },
    },
  });

  const handler = values.handler as string;
  if (!(handler in HANDLER_ENTRIES)) {
    throw new Error(`Invalid --handler ${handler}: expected one of ${Object.keys(HANDLER_ENTRIES).join(', ')}.`);
  }

  const samples = Number(values.samples);
  if (!Number.isInteger(samples) || samples < 5) {
    throw new Error(`Invalid --samples ${values.samples}: expected an integer of at least 5, so that p90 means something.`);
  }

  return { handler: handler as HandlerName, samples, record: !values['no-record'] };
}

/**
 * Bundles the handler under node_modules/.cache, so that the modules left external (the AWS SDK,
 * which the Lambda runtime provides) resolve from the repository's node_modules.
 */
async function bundleHandler(handler: HandlerName): Promise<{ bundlePath: string; bundleBytes: number }> {
  const outdir = join(PROJECT_ROOT, 'node_modules', '.cache', 'onsite-lambda-import', handler);
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });

  await build(esbuildOptionsFor(handlerEntryPath(handler), outdir));

  const bundlePath = join(outdir, 'index.mjs');
  return { bundlePath, bundleBytes: statSync(bundlePath).size };
}

/** Imports the bundle in a new Node.js process and returns the import time in milliseconds. */
function measureImport(bundlePath: string): number {
  const script = [
    'const start = performance.now();',
    `const module = await import(${JSON.stringify(pathToFileURL(bundlePath).href)});`,
    'const elapsed = performance.now() - start;',
    "if (typeof module.handler !== 'function') throw new Error('the bundle exports no handler function');",
    'process.stdout.write(String(elapsed));',
  ].join('\n');

  const child = spawnSync(process.execPath, ['--input-type=module', '--eval', script], {
    env: { PATH: process.env.PATH ?? '', ...HANDLER_ENVIRONMENT },
    encoding: 'utf8',
  });
  if (child.status !== 0) {
    throw new Error(`Importing ${bundlePath} failed with exit code ${child.status}: ${child.stderr}`);
  }

  return Number(child.stdout);
}

/** Nearest-rank percentile of sorted values (p in 0..100). */
function percentile(sortedValues: number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sortedValues.length));
  return sortedValues[rank - 1] ?? Number.NaN;
}

function describeMachine(): string {
  const cpuModel = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${cpuModel}, ${availableParallelism()} logical CPUs (nproc), Node ${process.version}`;
}

const SECTION_INTRO = `${SECTION_HEADING}

Script: \`npx tsx bench/lambda-import.ts [--handler api] [--samples 20]\`.

The handler is bundled with the options the CDK stacks use (\`infra/bundling.ts\`: minified ESM,
AWS SDK and local database drivers left external), then imported once per sample in a fresh
\`node\` process, with the variables the stacks set (placeholder values). The time runs from
\`import()\` to the resolved module. It leaves out Node.js start-up and what Lambda adds
(downloading and unpacking the code, starting the runtime). It is a proxy for the part of a cold
start that the code controls, measured on the machine below rather than on Lambda's arm64 hosts.
The load average shows whether other work shared the machine during the run.

| date | handler | bundle (KiB) | samples | median (ms) | p90 (ms) | machine | 1-min load average |
| --- | --- | ---: | ---: | ---: | ---: | --- | ---: |
`;

/** Adds a row to this benchmark's table, creating the section (and the page) when missing. */
function recordRow(row: string): void {
  const page = existsSync(BENCHMARKS_PAGE)
    ? readFileSync(BENCHMARKS_PAGE, 'utf8')
    : '# Benchmarks\n\nMeasured numbers for Onsite, each with the script and the machine behind it.\n';

  writeFileSync(BENCHMARKS_PAGE, insertSectionRow(page, SECTION_HEADING, SECTION_INTRO, row));
}

async function main(): Promise<void> {
  const options = parseOptions();
  const loadAverage = loadavg()[0] ?? Number.NaN;

  const { bundlePath, bundleBytes } = await bundleHandler(options.handler);

  // One unmeasured import warms the operating system's file cache, as a reused Lambda host would.
  measureImport(bundlePath);

  const timings: number[] = [];
  for (let sample = 0; sample < options.samples; sample += 1) {
    timings.push(measureImport(bundlePath));
  }
  timings.sort((a, b) => a - b);

  const median = percentile(timings, 50);
  const p90 = percentile(timings, 90);
  const machine = describeMachine();
  const date = new Date().toISOString().slice(0, 10);

  console.log(`${options.handler}: bundle ${(bundleBytes / 1024).toFixed(0)} KiB, ${options.samples} samples`);
  console.log(`import median ${median.toFixed(1)} ms, p90 ${p90.toFixed(1)} ms`);
  console.log(`machine: ${machine}, 1-min load average ${loadAverage.toFixed(2)}`);

  if (options.record) {
    recordRow(
      `| ${date} | ${options.handler} | ${(bundleBytes / 1024).toFixed(0)} | ${options.samples} | ${median.toFixed(1)} | ${p90.toFixed(1)} | ${machine} | ${loadAverage.toFixed(2)} |`,
    );
    console.log(`Recorded in ${BENCHMARKS_PAGE}`);
  }
}

await main();
