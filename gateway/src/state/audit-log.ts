import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';

import { canonicalJson } from '@onsite/compute';
import { z } from 'zod';

import { PRIVATE_FILE_MODE } from './atomic-write.js';
import { withFileLock } from './file-lock.js';
import { statePaths } from './state-dir.js';

/**
 * The gateway's local audit log: one JSON object per line, append-only. Each entry carries the
 * SHA-256 of the previous entry, so an edited, removed or reordered line breaks the chain from
 * that point on, and `verifyAuditLog` finds it.
 */

/** `prevHash` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

export const auditEntrySchema = z
  .object({
    seq: z.number().int().min(1),
    at: z.iso.datetime(),
    /** Event name as `noun.verb`, for example `dataset.added` or `result.delivered`. */
    type: z.string().min(1),
    /** Ids and counts about the event; never patient values or secrets. */
    details: z.record(z.string(), z.unknown()),
    prevHash: z.string().regex(/^[0-9a-f]{64}$/),
    hash: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export interface AuditEvent {
  type: string;
  details?: Record<string, unknown>;
}

export type AuditVerification =
  | { ok: true; entries: number; lastHash: string }
  | { ok: false; entries: number; line: number; reason: string };

/** Computes an entry's hash: SHA-256 of the canonical JSON of every field but `hash`. */
export function hashAuditEntry(entry: Omit<AuditEntry, 'hash'>): string {
  const { seq, at, type, details, prevHash } = entry;
  return createHash('sha256').update(canonicalJson({ seq, at, type, details, prevHash })).digest('hex');
}

/** Appends an event to the audit log, chained to the last entry, and flushes it to disk. */
export async function appendAuditEvent(stateDir: string, event: AuditEvent, now: Date = new Date()): Promise<AuditEntry> {
  const paths = statePaths(stateDir);

  return withFileLock(paths.auditLock, async () => {
    const last = await readLastEntry(paths.auditLog);
    const unsigned = {
      seq: (last?.seq ?? 0) + 1,
      at: now.toISOString(),
      type: event.type,
      // A JSON round trip first, so the hashed form is exactly what the log line stores (a Date
      // becomes its ISO text, undefined fields disappear).
      details: JSON.parse(JSON.stringify(event.details ?? {})) as Record<string, unknown>,
      prevHash: last?.hash ?? GENESIS_HASH,
    };
    const entry: AuditEntry = { ...unsigned, hash: hashAuditEntry(unsigned) };

    const handle = await open(paths.auditLog, 'a', PRIVATE_FILE_MODE);
    try {
      await handle.write(`${JSON.stringify(entry)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return entry;
  });
}

/** Reads the last entry without reading the whole log; rejects a log whose last line is torn. */
async function readLastEntry(path: string): Promise<AuditEntry | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }

  try {
    const { size } = await handle.stat();
    if (size === 0) {
      return undefined;
    }

    // Read backwards in growing chunks until the chunk contains the whole last line.
    for (let chunkSize = 4096; ; chunkSize *= 4) {
      const length = Math.min(chunkSize, size);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      const text = buffer.toString('utf8');

      if (!text.endsWith('\n')) {
        throw new Error(
          `the audit log ${path} ends with an incomplete line, probably from a crash during a write; ` +
            'run "onsite-gateway audit verify" and restore the log from a backup',
        );
      }
      const start = text.lastIndexOf('\n', text.length - 2);
      if (start !== -1 || length === size) {
        return parseLastEntry(path, text.slice(start + 1, -1));
      }
    }
  } finally {
    await handle.close();
  }
}

function parseLastEntry(path: string, line: string): AuditEntry {
  try {
    return auditEntrySchema.parse(JSON.parse(line));
  } catch (error) {
    throw new Error(
      `the last line of the audit log ${path} is not a valid audit entry, so no entry can be chained to it; ` +
        'run "onsite-gateway audit verify" and restore the log from a backup',
      { cause: error },
    );
  }
}

/**
 * Checks every line of the audit log: valid JSON and schema, consecutive sequence numbers, the
 * previous entry's hash and its own hash. Returns the first broken line (1-based) and why.
 */
export async function verifyAuditLog(stateDir: string): Promise<AuditVerification> {
  const path = statePaths(stateDir).auditLog;

  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { ok: true, entries: 0, lastHash: GENESIS_HASH };
    }
    throw error;
  }

  const lines = text.split('\n');
  const finalLine = lines.pop();
  if (finalLine !== '') {
    return { ok: false, entries: lines.length, line: lines.length + 1, reason: 'the last line is incomplete (no line break)' };
  }

  let previousHash = GENESIS_HASH;
  for (const [index, line] of lines.entries()) {
    const lineNumber = index + 1;
    const broken = (reason: string): AuditVerification => ({ ok: false, entries: index, line: lineNumber, reason });

    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return broken('not valid JSON');
    }
    const result = auditEntrySchema.safeParse(parsed);
    if (!result.success) {
      return broken(`not an audit entry (${result.error.issues[0]?.path.join('.')}: ${result.error.issues[0]?.message})`);
    }

    const entry = result.data;
    if (entry.seq !== lineNumber) {
      return broken(`sequence number ${entry.seq} where ${lineNumber} was expected (a line was removed or moved)`);
    }
    if (entry.prevHash !== previousHash) {
      return broken('prevHash does not match the previous entry (an earlier line was changed, removed or moved)');
    }
    if (hashAuditEntry(entry) !== entry.hash) {
      return broken('the entry hash does not match its content (the line was edited)');
    }
    previousHash = entry.hash;
  }

  return { ok: true, entries: lines.length, lastHash: previousHash };
}
