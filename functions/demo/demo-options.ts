import { resolve } from 'node:path';

import { Command, CommanderError, Option } from 'commander';

import { DEFAULT_GBSG2_FILE, MAX_SITES, MIN_SITES } from './study-data.js';

export interface DemoOptions {
  /** Number of simulated hospitals. */
  sites: number;
  /** GBSG2-shaped CSV file to study. */
  dataFile: string;
  /** State folder to keep (cloud database, blobs, gateways); a temporary one is removed at the end when unset. */
  stateDir?: string;
  reportFile?: string;
  htmlFile?: string;
  logLevel: 'silent' | 'error' | 'warn' | 'info' | 'debug';
}

/** Raised for an invalid command line; the message names the option, the value and the fix. */
export class DemoOptionError extends Error {
  override name = 'DemoOptionError';
}

/** Result of parsing: options to run with, or text (help) to print and exit successfully. */
export type ParsedCommandLine = { kind: 'run'; options: DemoOptions } | { kind: 'exit'; output: string };

const LOG_LEVELS = ['silent', 'error', 'warn', 'info', 'debug'] as const;

/** Parses the demo's arguments (without the node and script names). */
export function parseDemoArguments(args: readonly string[]): ParsedCommandLine {
  let output = '';
  const program = new Command('npm run demo --')
    .description(
      'Run the Onsite federated breast-cancer study on this machine: a local cloud, N hospital gateways with their ' +
        'share of GBSG2 and WDBC, cohort statistics, Kaplan–Meier, a stratified Cox model, logistic regression and an MLP.',
    )
    .option('--sites <n>', `number of simulated hospitals, ${MIN_SITES} to ${MAX_SITES}; 1-based row i goes to site ((i − 1) mod N) + 1`, '3')
    .addOption(
      new Option('--data <file>', 'CSV with the columns of GBSG2 (horTh, age, menostat, tsize, tgrade, pnodes, progrec, estrec, time, cens)').default(
        DEFAULT_GBSG2_FILE,
        'the shipped functions/demo/data/gbsg2.csv',
      ),
    )
    .option('--state <dir>', 'folder for the cloud database, blobs and gateway state, kept after the run (default: a temporary folder, removed)')
    .option('--report <file>', 'also write the report as JSON to this file')
    .option('--html <file>', 'also write a self-contained HTML report (plots, FR/EN) to this file')
    .addOption(new Option('--log-level <level>', 'level of the JSON logs of the cloud and gateways, on standard error').choices(LOG_LEVELS).default('warn'))
    .exitOverride()
    .configureOutput({ writeOut: (text) => (output += text), writeErr: (text) => (output += text) });

  try {
    program.parse([...args], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError && (error.code === 'commander.helpDisplayed' || error.code === 'commander.version')) {
      return { kind: 'exit', output };
    }
    if (error instanceof CommanderError) {
      throw new DemoOptionError(`${output.trim() || error.message}\nRun "npm run demo -- --help" for the options.`);
    }
    throw error;
  }

  const raw = program.opts<{ sites: string; data: string; state?: string; report?: string; html?: string; logLevel: DemoOptions['logLevel'] }>();
  return {
    kind: 'run',
    options: {
      sites: parseSiteCount(raw.sites),
      dataFile: resolve(raw.data),
      ...(raw.state === undefined ? {} : { stateDir: resolve(raw.state) }),
      ...(raw.report === undefined ? {} : { reportFile: resolve(raw.report) }),
      ...(raw.html === undefined ? {} : { htmlFile: resolve(raw.html) }),
      logLevel: raw.logLevel,
    },
  };
}

function parseSiteCount(value: string): number {
  const sites = Number(value);
  if (value.trim() === '' || !Number.isInteger(sites) || sites < MIN_SITES || sites > MAX_SITES) {
    throw new DemoOptionError(`--sites "${value}" is invalid; give a whole number of hospitals from ${MIN_SITES} to ${MAX_SITES}, for example --sites 3`);
  }
  return sites;
}
