import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { dataOrThrow, type ApiClient } from '../../gateway/src/cloud/api-client.js';
import { createRegisterWithCloud } from '../../gateway/src/cloud/register-dataset.js';
import { createLogger, type LogLevel } from '../../gateway/src/log.js';
import { runCli } from '../../gateway/src/program.js';
import { gatewayComputations } from '../../gateway/src/runner/computations.js';
import { startGateway, type RunningGateway } from '../../gateway/src/runner/start-gateway.js';
import { findDataset } from '../../gateway/src/state/index.js';
import type { SiteFiles } from './study-data.js';

/** Dataset names every gateway registers, the same at each site. */
export const GBSG2_DATASET = 'gbsg2';
export const WDBC_DATASET = 'wdbc';

/**
 * Pause of a demo gateway after a claim found no task, in milliseconds. The gateways run in the
 * same process as the cloud, so a short pause costs little and keeps the round latency low. A
 * hospital gateway waits 1 s by default and long-polls instead.
 */
const DEMO_POLL_INTERVAL_MS = 50;

/** One simulated hospital: its gateway's state folder and the cloud ids of its two datasets. */
export interface HospitalSite {
  /** 1-based site number. */
  site: number;
  name: string;
  stateDir: string;
  gatewayId: string;
  gbsg2DatasetId: string;
  wdbcDatasetId: string;
  gbsg2Rows: number;
  wdbcRows: number;
}

/** Declarations of the GBSG2 columns: factor levels with the reference level first, and units. */
const GBSG2_DECLARATIONS = [
  '--type', 'horTh=categorical', '--levels', 'horTh=no,yes',
  '--type', 'menostat=categorical', '--levels', 'menostat=Pre,Post',
  '--type', 'tgrade=categorical', '--levels', 'tgrade=I,II,III',
  '--unit', 'age=years', '--unit', 'tsize=mm', '--unit', 'progrec=fmol', '--unit', 'estrec=fmol', '--unit', 'time=days',
];

const WDBC_DECLARATIONS = ['--type', 'diagnosis=categorical', '--levels', 'diagnosis=B,M'];

/**
 * Creates and enrols one gateway per site of the cancer centre, as the hospital's people would.
 * The owner creates the gateway and its one-time token, and IT runs `onsite-gateway enroll` on the
 * site's state folder. The data officer sets the policy: the project allowed, exact event times
 * released, the default minimum cell size of 10 kept. Then the officer adds both data files, and
 * the gateway registers their descriptions in the cloud, never a row.
 */
export async function enrolHospitalSites(options: {
  baseUrl: string;
  centreOwner: ApiClient;
  projectId: string;
  siteFiles: SiteFiles[];
  stateRoot: string;
  onSite?: (site: HospitalSite) => void;
}): Promise<HospitalSite[]> {
  const sites: HospitalSite[] = [];
  for (const files of options.siteFiles) {
    const name = `Site ${files.site}`;
    const stateDir = join(options.stateRoot, `gateway-site${files.site}`);
    await mkdir(stateDir, { recursive: true });

    const created = dataOrThrow(await options.centreOwner.POST('/v1/gateways', { body: { name: `${name} gateway`, enrolmentTtlMinutes: 60 } }));
    await runGatewayCli(stateDir, ['enroll', '--api', options.baseUrl, '--token', created.enrolment.token]);
    await runGatewayCli(stateDir, ['policy', 'set', `allowedProjects=${options.projectId}`, 'releaseExactEventTimes=true']);
    await runGatewayCli(stateDir, ['dataset', 'add', files.gbsg2, '--name', GBSG2_DATASET, ...GBSG2_DECLARATIONS]);
    await runGatewayCli(stateDir, ['dataset', 'add', files.wdbc, '--name', WDBC_DATASET, ...WDBC_DECLARATIONS]);

    const site: HospitalSite = {
      site: files.site,
      name,
      stateDir,
      gatewayId: created.gateway.id,
      gbsg2DatasetId: await registeredDatasetId(stateDir, GBSG2_DATASET),
      wdbcDatasetId: await registeredDatasetId(stateDir, WDBC_DATASET),
      gbsg2Rows: files.gbsg2Rows,
      wdbcRows: files.wdbcRows,
    };
    sites.push(site);
    options.onSite?.(site);
  }
  return sites;
}

/** Starts every site's gateway loop in this process, each on its own state folder. */
export async function startHospitalGateways(sites: readonly HospitalSite[], logLevel: LogLevel): Promise<RunningGateway[]> {
  const running: RunningGateway[] = [];
  for (const site of sites) {
    running.push(
      await startGateway({
        stateDir: site.stateDir,
        computations: gatewayComputations,
        logger: createLogger({ level: logLevel, base: { site: site.name } }),
        pollIntervalMs: DEMO_POLL_INTERVAL_MS,
        claimWaitSeconds: 0,
        backoff: { baseDelayMs: 100, maxDelayMs: 2_000 },
      }),
    );
  }
  return running;
}

/** Runs `onsite-gateway --state <dir> ...args` in-process and throws with its output when it fails. */
async function runGatewayCli(stateDir: string, args: string[]): Promise<string> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['node', 'onsite-gateway', '--state', stateDir, ...args], {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
    registerWithCloud: createRegisterWithCloud(),
  });
  if (code !== 0) {
    throw new Error(`onsite-gateway ${args.slice(0, 2).join(' ')} failed for ${stateDir} (exit code ${code}): ${(stderr || stdout).trim()}`);
  }
  return stdout;
}

async function registeredDatasetId(stateDir: string, name: string): Promise<string> {
  const record = await findDataset(stateDir, name);
  if (record?.cloudId === undefined) {
    throw new Error(`dataset "${name}" of ${stateDir} was added but not registered in the cloud; rerun the demo with --log-level info to see why`);
  }
  return record.cloudId;
}
