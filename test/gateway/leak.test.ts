import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { getComputation } from '@onsite/compute';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { databaseTargets } from '../support/database.js';
import { Federation } from './support/federation.js';
import { GBSG2_SITE_FILES, KAPLAN_MEIER_SPEC, STRATIFIED_COX_SPEC } from './support/gbsg2.js';
import type { CapturedRequest } from './support/network.js';

/** Unique numbers planted in an unused numeric column, at three rows. */
const NUMBER_CANARIES = [987654.321, 876543.219, 765432.198];
/** A unique value planted in a column the Cox model uses (age of the first patient). */
const USED_COLUMN_CANARY = 71.123456789;
const TEXT_CANARY = 'CANARY-QZX7-NOTE';

/**
 * Writes the first GBSG2 site with canaries: a numeric column no job reads, a free-text column
 * with one unique note per patient, and one unusual age, which the Cox job does read.
 */
function writeCanarySite(folder: string): string {
  const [header, ...rows] = readFileSync(GBSG2_SITE_FILES[0]!, 'utf8').trimEnd().split('\n');
  const ageIndex = header!.split(',').indexOf('age');
  const lines = [`${header},canary_value,patient_note`];
  for (const [index, row] of rows.entries()) {
    const cells = row.split(',');
    if (index === 0) cells[ageIndex] = String(USED_COLUMN_CANARY);
    const planted = [0, 100, 200].indexOf(index);
    const value = planted >= 0 ? NUMBER_CANARIES[planted]! : index % 7;
    lines.push(`${cells.join(',')},${value},${TEXT_CANARY}-${String(index).padStart(4, '0')}`);
  }
  const path = join(folder, 'site1-canary.csv');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** Every byte a request carried: method, URL, headers and body, as one buffer. */
function requestBytes(request: CapturedRequest): Buffer {
  const head = `${request.method} ${request.url}\n${request.headers.map(([name, value]) => `${name}: ${value}`).join('\n')}\n\n`;
  return Buffer.concat([Buffer.from(head, 'utf8'), Buffer.from(request.body)]);
}

/** Returns the encodings in which a planted number could leave: decimal text, float64 and float32 little-endian bytes. */
function numberPatterns(value: number): { label: string; bytes: Buffer }[] {
  return [
    { label: `text ${value}`, bytes: Buffer.from(String(value), 'utf8') },
    { label: `float64 ${value}`, bytes: Buffer.from(Float64Array.of(value).buffer) },
    { label: `float32 ${value}`, bytes: Buffer.from(Float32Array.of(value).buffer) },
  ];
}

describe.each(databaseTargets())('bytes a gateway sends on %s', (target) => {
  let federation: Federation;
  let folder: string;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'onsite-canary-'));
    federation = await Federation.start(target, getComputation);
    federation.network.capture = true;
    await federation.seed('leak', [
      { file: writeCanarySite(folder), policy: ['releaseExactEventTimes=true'] },
      ...GBSG2_SITE_FILES.slice(1).map((file) => ({ file, policy: ['releaseExactEventTimes=true'] })),
    ]);
    for (const site of federation.sites) {
      await federation.startGateway(site);
    }

    const survival = await federation.createModel('relapse-free survival', KAPLAN_MEIER_SPEC);
    const analytics = await federation.createJob({ kind: 'analytics', computation: 'kaplan_meier', modelId: survival });
    const risk = await federation.createModel('relapse risk', STRATIFIED_COX_SPEC);
    const training = await federation.createJob({ kind: 'train', computation: 'cox_newton', modelId: risk, settings: { maxRounds: 30 } });
    for (const job of [analytics, training]) {
      const finished = await federation.waitForJob(job.id);
      if (finished.state !== 'succeeded') throw new Error(`job ${job.id} ended ${finished.state}: ${JSON.stringify(finished)}`);
    }
  });

  afterAll(async () => {
    await federation.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('captures enrolment, registration, uploads and submissions', () => {
    const paths = federation.network.sent.map((request) => `${request.method} ${new URL(request.url).pathname}`);

    expect(paths).toContain('POST /v1/gateways/enroll');
    expect(paths).toContain('POST /v1/datasets');
    expect(paths.filter((path) => /^POST \/v1\/tasks\/[^/]+\/result$/.test(path)).length).toBeGreaterThanOrEqual(3 * 2);
    const uploads = federation.network.sent.filter((request) => request.method === 'PUT');
    expect(uploads.length).toBeGreaterThanOrEqual(3 * 2);
    expect(uploads.every((request) => request.body.byteLength > 0)).toBe(true);
  });

  it.each([...NUMBER_CANARIES, USED_COLUMN_CANARY])('never sends the planted number %d', (value) => {
    const sent = Buffer.concat(federation.network.sent.map(requestBytes));

    for (const pattern of numberPatterns(value)) {
      expect(sent.indexOf(pattern.bytes), `found ${pattern.label}`).toBe(-1);
    }
  });

  it('never sends the planted text', () => {
    const sent = Buffer.concat(federation.network.sent.map(requestBytes));

    expect(sent.indexOf(Buffer.from(TEXT_CANARY, 'utf8'))).toBe(-1);
    expect(sent.indexOf(Buffer.from('patient_note', 'utf8'))).toBe(-1);
  });
});
