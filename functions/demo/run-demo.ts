import { rmSync, statSync } from 'node:fs';
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { ApiProblemError } from '../../gateway/src/cloud/api-client.js';
import type { RunningGateway } from '../../gateway/src/runner/start-gateway.js';
import { setUpCollaboration, PROJECT_NAME } from './collaboration.js';
import { DemoOptionError, parseDemoArguments, type DemoOptions } from './demo-options.js';
import { enrolHospitalSites, startHospitalGateways } from './hospital-sites.js';
import { renderHtmlReport } from './html-report.js';
import { startLocalCloud, type LocalCloud } from './local-cloud.js';
import { createTextProgress } from './progress.js';
import { JobFailedError } from './run-job.js';
import { runStudy } from './run-study.js';
import { buildStudyReport } from './study-report.js';
import { DEFAULT_WDBC_FILE, GBSG2_COLUMNS, readCsvLines, requireColumns, requireSiteSizes, StudyDataError, WDBC_COLUMNS, writeSiteFiles } from './study-data.js';
import { formatTerminalReport } from './terminal-report.js';

/**
 * `npm run demo`: the whole federated study on this machine, with no other set-up. Exit codes:
 * 0 done, 1 the study failed (a job, the cloud or a gateway), 2 invalid options or data.
 */
async function main(args: readonly string[]): Promise<number> {
  const parsed = parseDemoArguments(args);
  if (parsed.kind === 'exit') {
    process.stdout.write(parsed.output);
    return 0;
  }
  const options = parsed.options;
  const startedAt = performance.now();
  const progress = createTextProgress((text) => process.stdout.write(text), startedAt);

  const gbsg2 = await readCsvLines(options.dataFile);
  requireColumns(gbsg2, GBSG2_COLUMNS, 'GBSG2');
  requireSiteSizes(gbsg2, options.sites);
  const wdbc = await readCsvLines(DEFAULT_WDBC_FILE);
  requireColumns(wdbc, WDBC_COLUMNS, 'WDBC');

  for (const [option, path] of [['--report', options.reportFile], ['--html', options.htmlFile]] as const) {
    if (path !== undefined) await checkOutputPath(option, path);
  }

  const stateDir = await prepareStateDir(options);
  // Ctrl-C or a closed pipe must not leave a temporary state folder of some 40 MB behind.
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\nDemo interrupted by ${signal}${options.stateDir === undefined ? '; its temporary state is removed' : ''}.\n`);
    if (options.stateDir === undefined) rmSync(stateDir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('SIGPIPE', onSignal);
  let cloud: LocalCloud | undefined;
  let gateways: RunningGateway[] = [];
  try {
    progress.step(`Onsite demo: "${PROJECT_NAME}", ${options.sites} hospitals, state in ${stateDir}`);
    cloud = await startLocalCloud(join(stateDir, 'cloud'), options.logLevel);
    progress.step(`Local cloud listening on ${cloud.baseUrl} (PGlite, filesystem blob store)`);

    const collaboration = await setUpCollaboration(cloud.baseUrl, cloud.operatorToken);
    progress.step(`Partnership ${collaboration.partnershipId} accepted by the cancer centre; project ${collaboration.projectId} created by the partner`);

    const siteFiles = await writeSiteFiles(join(stateDir, 'hospital-files'), gbsg2, wdbc, options.sites);
    const sites = await enrolHospitalSites({
      baseUrl: cloud.baseUrl,
      centreOwner: collaboration.centreOwner,
      projectId: collaboration.projectId,
      siteFiles,
      stateRoot: stateDir,
      onSite: (site) => progress.step(`${site.name} enrolled as gateway ${site.gatewayId}: GBSG2 ${site.gbsg2Rows} patients, WDBC ${site.wdbcRows} samples (metadata registered)`),
    });
    gateways = await startHospitalGateways(sites, options.logLevel);
    progress.step(`${gateways.length} gateways running`);

    const results = await runStudy(collaboration, sites, progress, options.dataFile, startedAt);
    const report = buildStudyReport(results);
    process.stdout.write(`\n${formatTerminalReport(report)}\n`);

    if (options.reportFile !== undefined) {
      await writeOutput(options.reportFile, `${JSON.stringify(report, null, 2)}\n`);
      process.stdout.write(`JSON report written to ${options.reportFile}\n`);
    }
    if (options.htmlFile !== undefined) {
      await writeOutput(options.htmlFile, renderHtmlReport(report));
      process.stdout.write(`HTML report written to ${options.htmlFile}\n`);
    }
    process.stdout.write(`Done in ${((performance.now() - startedAt) / 1000).toFixed(1)} s.\n`);
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGPIPE', onSignal);
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await cloud?.close();
    if (options.stateDir === undefined) {
      await rm(stateDir, { recursive: true, force: true });
    }
  }
}

/**
 * Returns the state folder: `--state` when given (created if missing, and required to be empty,
 * because a second run cannot reuse enrolled gateways), else a new temporary folder.
 */
async function prepareStateDir(options: DemoOptions): Promise<string> {
  if (options.stateDir === undefined) {
    return mkdtemp(join(tmpdir(), 'onsite-demo-'));
  }
  await mkdir(options.stateDir, { recursive: true });
  const entries = await readdir(options.stateDir);
  if (entries.length > 0) {
    throw new DemoOptionError(`--state ${options.stateDir} is not empty; give a new or empty folder (a run's state cannot be reused by the next one)`);
  }
  return options.stateDir;
}

/** Checks an output path before the study runs, so a bad path fails in a second, not after it. */
async function checkOutputPath(option: string, path: string): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
  } catch (error) {
    throw new DemoOptionError(`${option} ${path}: its folder cannot be created (${(error as NodeJS.ErrnoException).code ?? String(error)}); give a path in a writable folder`);
  }
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
    throw new DemoOptionError(`${option} ${path} is a folder; give a file path such as ${join(path, option === '--html' ? 'report.html' : 'report.json')}`);
  }
}

async function writeOutput(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

/** Prints an error the way its kind calls for and returns the exit code. */
function reportFailure(error: unknown): number {
  if (error instanceof DemoOptionError || error instanceof StudyDataError) {
    process.stderr.write(`error: ${error.message}\n`);
    return 2;
  }
  if (error instanceof JobFailedError) {
    process.stderr.write(`\nThe study stopped because a job did not succeed.\n${error.message}\n`);
    return 1;
  }
  if (error instanceof ApiProblemError) {
    process.stderr.write(`\nThe cloud API rejected a request: ${error.message}${error.requestId ? ` (request id ${error.requestId})` : ''}\n`);
    for (const field of error.errors) process.stderr.write(`  ${field.path}: ${field.message}\n`);
    return 1;
  }
  process.stderr.write(`\nThe demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => process.exit(reportFailure(error)),
);
