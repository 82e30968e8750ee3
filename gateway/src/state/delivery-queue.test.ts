import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { beforeEach, describe, expect, it } from 'vitest';

import {
  acknowledgeDelivery,
  enqueueDelivery,
  listPendingDeliveries,
  recordDeliveryAttempt,
} from './delivery-queue.js';
import { ensureStateDir, statePaths } from './state-dir.js';

const REPOSITORY_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const QUEUE_MODULE = fileURLToPath(new URL('./delivery-queue.ts', import.meta.url));

let stateDir: string;

beforeEach(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'onsite-outbox-'));
  await ensureStateDir(stateDir);
});

describe('delivery queue', () => {
  it('survives a process killed right after enqueueing', async () => {
    // The child queues three results, acknowledges one, leaves a half-written temporary file as
    // an interrupted write would, then kills itself with SIGKILL: no exit handlers run.
    const script = join(stateDir, 'crash.mts');
    writeFileSync(
      script,
      [
        `import { writeFileSync } from 'node:fs';`,
        `import { enqueueDelivery, acknowledgeDelivery } from ${JSON.stringify(QUEUE_MODULE)};`,
        `const dir = ${JSON.stringify(stateDir)};`,
        `const first = await enqueueDelivery(dir, { kind: 'task_result', taskId: 'tsk_1', payload: { sums: [1.5, 2] } }, new Date(1000));`,
        `await enqueueDelivery(dir, { kind: 'task_result', taskId: 'tsk_2', payload: { sums: [3] } }, new Date(2000));`,
        `await enqueueDelivery(dir, { kind: 'task_result', taskId: 'tsk_3', payload: { sums: [4] } }, new Date(3000));`,
        `await acknowledgeDelivery(dir, first.id);`,
        `writeFileSync(${JSON.stringify(join(statePaths(stateDir).outbox, '.dlv_x.json.abc.tmp'))}, '{"id":');`,
        `process.kill(process.pid, 'SIGKILL');`,
      ].join('\n'),
    );

    const child = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: REPOSITORY_ROOT, encoding: 'utf8' });

    expect(child.signal, child.stderr).toBe('SIGKILL');
    const { deliveries, unreadable } = await listPendingDeliveries(stateDir);
    expect(deliveries.map((delivery) => delivery.taskId)).toEqual(['tsk_2', 'tsk_3']);
    expect(deliveries[0]!.payload).toEqual({ sums: [3] });
    expect(unreadable).toEqual([]);
  });

  it('returns deliveries oldest first', async () => {
    await enqueueDelivery(stateDir, { kind: 'task_result', taskId: 'late', payload: 1 }, new Date(5000));
    await enqueueDelivery(stateDir, { kind: 'task_result', taskId: 'early', payload: 2 }, new Date(1000));

    const { deliveries } = await listPendingDeliveries(stateDir);

    expect(deliveries.map((delivery) => delivery.taskId)).toEqual(['early', 'late']);
  });

  it('keeps the first delivery queued under a key', async () => {
    const first = await enqueueDelivery(stateDir, { kind: 'task_result', key: 'task tsk_9 round 1', payload: 'first' });
    const second = await enqueueDelivery(stateDir, { kind: 'task_result', key: 'task tsk_9 round 1', payload: 'second' });

    expect(second).toEqual(first);
    expect((await listPendingDeliveries(stateDir)).deliveries).toHaveLength(1);
  });

  it('records failed attempts until acknowledged', async () => {
    const queued = await enqueueDelivery(stateDir, { kind: 'task_result', payload: { n: 1 } });

    const updated = await recordDeliveryAttempt(
      stateDir,
      queued.id,
      { error: 'connection timed out', nextAttemptAt: new Date('2026-01-01T00:01:00Z') },
      new Date('2026-01-01T00:00:00Z'),
    );

    expect(updated).toMatchObject({
      attempts: 1,
      lastError: 'connection timed out',
      lastAttemptAt: '2026-01-01T00:00:00.000Z',
      nextAttemptAt: '2026-01-01T00:01:00.000Z',
    });
    await expect(acknowledgeDelivery(stateDir, queued.id)).resolves.toBe(true);
    await expect(acknowledgeDelivery(stateDir, queued.id)).resolves.toBe(false);
    expect(readdirSync(statePaths(stateDir).outbox)).toEqual([]);
  });

  it('lists a corrupt file as unreadable and leaves it in place', async () => {
    writeFileSync(join(statePaths(stateDir).outbox, 'dlv_broken.json'), '{"id": "dlv_broken"');
    await enqueueDelivery(stateDir, { kind: 'task_result', payload: null });

    const { deliveries, unreadable } = await listPendingDeliveries(stateDir);

    expect(deliveries).toHaveLength(1);
    expect(unreadable).toHaveLength(1);
    expect(unreadable[0]!.reason).toContain('is not valid JSON');
  });

  it.each([
    { case: 'a path outside the outbox', id: '../config' },
    { case: 'an id without the prefix', id: 'abc' },
  ])('rejects $case as a delivery id', async ({ id }) => {
    await expect(acknowledgeDelivery(stateDir, id)).rejects.toThrow(`invalid delivery id "${id}"`);
  });

  it('rejects an attempt on an unknown delivery', async () => {
    await expect(recordDeliveryAttempt(stateDir, 'dlv_0', { error: 'x' })).rejects.toThrow(
      'pending delivery dlv_0 not found in the outbox',
    );
  });
});
