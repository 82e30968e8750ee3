import { resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { DemoOptionError, parseDemoArguments } from './demo-options.js';
import { DEFAULT_GBSG2_FILE } from './study-data.js';

describe('parseDemoArguments', () => {
  it('defaults to three sites on the shipped GBSG2', () => {
    const parsed = parseDemoArguments([]);

    expect(parsed).toEqual({ kind: 'run', options: { sites: 3, dataFile: DEFAULT_GBSG2_FILE, logLevel: 'warn' } });
  });

  it('resolves the output and state paths', () => {
    const parsed = parseDemoArguments(['--sites', '5', '--report', 'out/report.json', '--html', 'out/report.html', '--state', 'run1']);

    expect(parsed.kind).toBe('run');
    if (parsed.kind !== 'run') return;
    expect(parsed.options.sites).toBe(5);
    expect(parsed.options.reportFile).toBe(resolve('out/report.json'));
    expect(parsed.options.htmlFile).toBe(resolve('out/report.html'));
    expect(parsed.options.stateDir).toBe(resolve('run1'));
  });

  it.each([['1'], ['11'], ['2.5'], ['three'], ['']])('rejects --sites %j with the allowed range', (value) => {
    expect(() => parseDemoArguments(['--sites', value])).toThrow(DemoOptionError);
    expect(() => parseDemoArguments(['--sites', value])).toThrow(`--sites "${value}" is invalid; give a whole number of hospitals from 2 to 10`);
  });

  it('rejects an unknown option and points to --help', () => {
    expect(() => parseDemoArguments(['--site', '3'])).toThrow(/unknown option '--site'[\s\S]*npm run demo -- --help/);
  });

  it('rejects a log level outside the choices', () => {
    expect(() => parseDemoArguments(['--log-level', 'loud'])).toThrow(/--log-level <level>' argument 'loud' is invalid/);
  });

  it('returns the help text instead of running', () => {
    const parsed = parseDemoArguments(['--help']);

    expect(parsed.kind).toBe('exit');
    if (parsed.kind !== 'exit') return;
    expect(parsed.output).toContain('--sites <n>');
    expect(parsed.output).toContain('--html <file>');
  });
});
