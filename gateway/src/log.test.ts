import { describe, expect, it } from 'vitest';

import { createLogger } from './log.js';

function captureLines() {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  };
}

describe('createLogger', () => {
  it('writes JSON lines with the level as text', () => {
    const { lines, destination } = captureLines();

    createLogger({ destination, base: { gatewayId: 'gw_1' } }).info({ taskId: 'tsk_1' }, 'task claimed');

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'task claimed', taskId: 'tsk_1', gatewayId: 'gw_1' });
  });

  it.each([
    { case: 'a credential', fields: { credential: 'gwc_secret' } },
    { case: 'a nested token', fields: { enrollment: { token: 'one-time-secret' } } },
    { case: 'an authorization header', fields: { headers: { authorization: 'Bearer secret' } } },
    { case: 'a private key', fields: { key: { privateKey: '-----BEGIN PRIVATE KEY-----' } } },
  ])('redacts $case', ({ fields }) => {
    const { lines, destination } = captureLines();

    createLogger({ destination }).info(fields, 'request sent');

    expect(JSON.stringify(lines[0])).not.toContain('secret');
    expect(JSON.stringify(lines[0])).not.toContain('PRIVATE KEY');
    expect(JSON.stringify(lines[0])).toContain('[Redacted]');
  });

  it('drops lines below the configured level', () => {
    const { lines, destination } = captureLines();

    const logger = createLogger({ destination, level: 'warn' });
    logger.info('ignored');
    logger.warn('kept');

    expect(lines.map((line) => line.msg)).toEqual(['kept']);
  });
});
