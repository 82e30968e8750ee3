import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The repository root, where the README runs `npm run demo`. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Maximum run time of the demo here: it takes 30 to 70 s alone on 2 cores, longer beside other suites. */
const DEMO_TIMEOUT_MS = 6 * 60_000;

function readReference<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../../shared/data/reference/${name}`, import.meta.url), 'utf8')) as T;
}

interface CoxReference {
  coefficients: Record<string, number>;
  se: Record<string, number>;
  loglik: number;
}

const COX = readReference<{ breslow: { tight_control: CoxReference } }>('gbsg2_cox_stratified.json').breslow.tight_control;
const KM = readReference<{ overall: { time: number[]; surv: number[]; median: { median: number; lower_95: number; upper_95: number } } }>('gbsg2_km.json').overall;
const LOGISTIC = readReference<{ models: { mean5: { tight_control: { coefficients: Record<string, number> } } } }>('wdbc_logistic.json').models.mean5.tight_control;

interface DemoReport {
  cox: { coefficients: Record<string, number>; se: Record<string, number>; loglik: number; rounds: number };
  km: { overall: { median: number; medianLower: number; medianUpper: number; time: number[]; surv: number[] } };
  logrank: { chisq: number };
  logistic: { coefficients: Record<string, number> };
}

interface RunOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[]): Promise<RunOutcome> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: ROOT, timeout: DEMO_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      let code = 0;
      if (error !== null) {
        code = typeof error.code === 'number' ? error.code : 1;
      }
      resolve({ code, stdout, stderr });
    });
  });
}

function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

describe('npm run demo', () => {
  const folder = mkdtempSync(join(tmpdir(), 'onsite-demo-test-'));
  const reportFile = join(folder, 'report.json');
  let outcome: RunOutcome;
  let report: DemoReport;

  beforeAll(async () => {
    outcome = await run('npm', ['run', 'demo', '--', '--report', reportFile, '--state', join(folder, 'state')]);
    if (outcome.code !== 0) {
      throw new Error(`npm run demo exited with ${outcome.code}\n--- stdout ---\n${outcome.stdout}\n--- stderr ---\n${outcome.stderr}`);
    }
    report = JSON.parse(readFileSync(reportFile, 'utf8')) as DemoReport;
  }, DEMO_TIMEOUT_MS);

  afterAll(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('fits the stratified Cox model as R does', () => {
    for (const [name, expected] of Object.entries(COX.coefficients)) {
      expect(report.cox.coefficients[name], `coefficient ${name} is missing from ${JSON.stringify(report.cox)}`).toBeTypeOf('number');
      expect(relativeError(report.cox.coefficients[name] as number, expected), `β ${name} = ${report.cox.coefficients[name]}, R ${expected}`).toBeLessThan(1e-6);
    }
    for (const [name, expected] of Object.entries(COX.se)) {
      expect(relativeError(report.cox.se[name] as number, expected), `SE ${name} = ${report.cox.se[name]}, R ${expected}`).toBeLessThan(1e-6);
    }
    expect(relativeError(report.cox.loglik, COX.loglik), `loglik ${report.cox.loglik}, R ${COX.loglik}`).toBeLessThan(1e-6);
    expect(report.cox.rounds).toBeGreaterThan(1);
  });

  it('lists the Kaplan–Meier curve at R event times', () => {
    expect(report.km.overall.time).toEqual(KM.time);
    KM.surv.forEach((expected, index) => {
      expect(relativeError(report.km.overall.surv[index] as number, expected), `survival at ${KM.time[index]} days`).toBeLessThan(1e-6);
    });
    expect(report.km.overall.median).toBe(KM.median.median);
    expect(report.km.overall.medianLower).toBe(KM.median.lower_95);
    expect(report.km.overall.medianUpper).toBe(KM.median.upper_95);
    expect(report.logrank.chisq).toBeGreaterThan(0);
  });

  it('fits the WDBC logistic model as R does', () => {
    for (const [name, expected] of Object.entries(LOGISTIC.coefficients)) {
      expect(report.logistic.coefficients[name], `coefficient ${name} is missing`).toBeTypeOf('number');
      expect(relativeError(report.logistic.coefficients[name] as number, expected), `${name} = ${report.logistic.coefficients[name]}, R ${expected}`).toBeLessThan(1e-6);
    }
  });

  it('prints the report in the terminal', () => {
    expect(outcome.stdout).toContain('Stratified Cox model of relapse-free survival');
    expect(outcome.stdout).toContain('horTh_yes');
    expect(outcome.stdout).toMatch(/Log-rank test, horTh: χ² = \d+\.\d+ on 1 df/);
    expect(outcome.stdout).toContain(`JSON report written to ${reportFile}`);
  });
});

describe('npm run demo with a bad --data file', () => {
  it('names the missing columns and exits with 2', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'onsite-demo-bad-data-'));
    const file = join(folder, 'cohort.csv');
    writeFileSync(file, 'horTh,age,time\nno,70,1814\n');
    try {
      const outcome = await run('npx', ['tsx', 'functions/demo/run-demo.ts', '--data', file]);

      expect(outcome.code, outcome.stderr).toBe(2);
      expect(outcome.stderr).toContain('lacks the GBSG2 column(s) menostat, tsize, tgrade, pnodes, progrec, estrec, cens');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('npm run demo when a job fails', () => {
  it('prints the failure reason and each site status', async () => {
    // Only 15 patients keep hormone therapy, so each of the 3 sites has about 5 in that group,
    // below the minimum cell size of 10: every gateway refuses the Kaplan–Meier task.
    const folder = mkdtempSync(join(tmpdir(), 'onsite-demo-refused-'));
    const [header, ...rows] = readFileSync(join(ROOT, 'functions/demo/data/gbsg2.csv'), 'utf8').trim().split('\n');
    let treated = 0;
    const edited = rows.map((row) => (row.startsWith('yes,') && ++treated > 15 ? `no,${row.slice(4)}` : row));
    const file = join(folder, 'few-treated.csv');
    writeFileSync(file, `${[header, ...edited].join('\n')}\n`);
    try {
      const outcome = await run('npx', ['tsx', 'functions/demo/run-demo.ts', '--data', file]);

      expect(outcome.code, outcome.stderr).toBe(1);
      expect(outcome.stderr).toMatch(/Kaplan–Meier: job job_\w+ failed: round 1 failed/);
      for (const site of ['Site 1', 'Site 2', 'Site 3']) {
        expect(outcome.stderr).toMatch(new RegExp(`${site}: task refused: .+`));
      }
      expect(outcome.stderr).toContain('minCellSize');
      expect(outcome.stdout).not.toContain('Stratified Cox model');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }, DEMO_TIMEOUT_MS);
});
