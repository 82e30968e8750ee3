import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { beforeEach, describe, expect, it } from 'vitest';

import { appendAuditEvent, GENESIS_HASH, hashAuditEntry, verifyAuditLog, type AuditEntry } from './audit-log.js';
import { ensureStateDir, statePaths } from './state-dir.js';

let stateDir: string;

beforeEach(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'onsite-audit-'));
  await ensureStateDir(stateDir);
});

async function appendThree(): Promise<AuditEntry[]> {
  const at = new Date('2026-01-02T03:04:05.000Z');
  return [
    await appendAuditEvent(stateDir, { type: 'dataset.added', details: { localId: 'lds_1', rows: 686 } }, at),
    await appendAuditEvent(stateDir, { type: 'policy.changed', details: { minCellSize: 5 } }, at),
    await appendAuditEvent(stateDir, { type: 'result.delivered', details: { taskId: 'tsk_1' } }, at),
  ];
}

function readLines(): string[] {
  return readFileSync(statePaths(stateDir).auditLog, 'utf8').trimEnd().split('\n');
}

function writeLines(lines: string[]): void {
  writeFileSync(statePaths(stateDir).auditLog, `${lines.join('\n')}\n`);
}

describe('audit log', () => {
  it('chains each entry to the previous one', async () => {
    const entries = await appendThree();

    expect(entries.map((entry) => entry.seq)).toEqual([1, 2, 3]);
    expect(entries[0]!.prevHash).toBe(GENESIS_HASH);
    expect(entries[1]!.prevHash).toBe(entries[0]!.hash);
    expect(entries[2]!.prevHash).toBe(entries[1]!.hash);
    expect(hashAuditEntry(entries[2]!)).toBe(entries[2]!.hash);
  });

  it('verifies an intact log', async () => {
    const entries = await appendThree();

    await expect(verifyAuditLog(stateDir)).resolves.toEqual({ ok: true, entries: 3, lastHash: entries[2]!.hash });
  });

  it('verifies a log that does not exist yet as empty', async () => {
    await expect(verifyAuditLog(stateDir)).resolves.toEqual({ ok: true, entries: 0, lastHash: GENESIS_HASH });
  });

  it('keeps the chain across concurrent appends', async () => {
    await Promise.all(
      Array.from({ length: 12 }, (_, index) => appendAuditEvent(stateDir, { type: 'test.event', details: { index } })),
    );

    const result = await verifyAuditLog(stateDir);

    expect(result).toMatchObject({ ok: true, entries: 12 });
  });

  it.each([
    {
      case: 'an edited value',
      tamper: (lines: string[]) => {
        lines[1] = lines[1]!.replace('"minCellSize":5', '"minCellSize":50');
      },
      line: 2,
      reason: 'the entry hash does not match its content',
    },
    {
      case: 'an edited value with a recomputed hash',
      tamper: (lines: string[]) => {
        const entry = JSON.parse(lines[0]!) as AuditEntry;
        entry.details = { localId: 'lds_1', rows: 700 };
        entry.hash = hashAuditEntry(entry);
        lines[0] = JSON.stringify(entry);
      },
      line: 2,
      reason: 'prevHash does not match the previous entry',
    },
    {
      case: 'a removed line',
      tamper: (lines: string[]) => {
        lines.splice(1, 1);
      },
      line: 2,
      reason: 'sequence number 3 where 2 was expected',
    },
    {
      case: 'swapped lines',
      tamper: (lines: string[]) => {
        [lines[0], lines[1]] = [lines[1]!, lines[0]!];
      },
      line: 1,
      reason: 'sequence number 2 where 1 was expected',
    },
    {
      case: 'a line that is not JSON',
      tamper: (lines: string[]) => {
        lines[2] = '{"seq":3,';
      },
      line: 3,
      reason: 'not valid JSON',
    },
    {
      case: 'an inserted foreign entry',
      tamper: (lines: string[]) => {
        lines.splice(2, 0, JSON.stringify({ seq: 3, type: 'forged' }));
      },
      line: 3,
      reason: 'not an audit entry',
    },
  ])('reports the first broken line after $case', async ({ tamper, line, reason }) => {
    await appendThree();
    const lines = readLines();
    tamper(lines);
    writeLines(lines);

    const result = await verifyAuditLog(stateDir);

    expect(result).toMatchObject({ ok: false, line, entries: line - 1 });
    expect((result as { reason: string }).reason).toContain(reason);
  });

  it('reports and refuses to extend a torn last line', async () => {
    await appendThree();
    writeFileSync(statePaths(stateDir).auditLog, `${readLines().join('\n')}\n{"seq":4,"at"`);

    await expect(verifyAuditLog(stateDir)).resolves.toMatchObject({ ok: false, line: 4 });
    await expect(appendAuditEvent(stateDir, { type: 'test.event' })).rejects.toThrow('ends with an incomplete line');
  });

  it('refuses to extend a log whose last line is not an entry', async () => {
    await appendThree();
    writeFileSync(statePaths(stateDir).auditLog, `${readLines().join('\n')}\n{"seq":4}\n`);

    await expect(appendAuditEvent(stateDir, { type: 'test.event' })).rejects.toThrow('is not a valid audit entry');
  });

  it('finds the last entry when it is longer than one read chunk', async () => {
    await appendAuditEvent(stateDir, { type: 'test.big', details: { note: 'x'.repeat(10_000) } });
    await appendAuditEvent(stateDir, { type: 'test.big', details: { note: 'y'.repeat(20_000) } });

    const entry = await appendAuditEvent(stateDir, { type: 'test.small' });

    expect(entry.seq).toBe(3);
    await expect(verifyAuditLog(stateDir)).resolves.toMatchObject({ ok: true, entries: 3 });
  });
});
