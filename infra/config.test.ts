import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { PROJECT_ROOT } from './bundling.js';
import { ENVIRONMENT_NAMES, MAX_REQUEST_BYTES, selectConfig } from './config.js';
import { parseRouteKey } from './stacks/api-stack.js';

describe('selectConfig', () => {
  it('adds the operator token hash from its context value', () => {
    const sha256 = 'a'.repeat(64);
    expect(selectConfig('prod', sha256).api.operatorTokenSha256).toBe(sha256);
    expect(selectConfig('prod').api.operatorTokenSha256).toBeUndefined();
  });

  it.each(['not-hex', 'A'.repeat(64), 42])('rejects operator token hash %s', (value) => {
    expect(() => selectConfig('dev', value)).toThrow(/operatorTokenSha256/);
  });

  it('selects dev without an env context value', () => {
    expect(selectConfig(undefined).envName).toBe('dev');
  });

  it.each(ENVIRONMENT_NAMES)('selects %s by name', (envName) => {
    const config = selectConfig(envName);

    expect(config.envName).toBe(envName);
    expect(config.stackPrefix).toBe(`Onsite-${envName}`);
  });

  it.each(['production', 'PROD', '', 42])('rejects env=%j and lists the valid names', (value) => {
    expect(() => selectConfig(value)).toThrow(`Invalid context value env=${JSON.stringify(value)}: expected one of dev, prod`);
  });

  it('protects and retains production data', () => {
    const prod = selectConfig('prod');

    expect(prod.database.protectFromDeletion).toBe(true);
    expect(prod.artifacts.retainOnDelete).toBe(true);
    expect(prod.database.minCapacityAcu).toBeGreaterThan(0);
  });

  it.each(ENVIRONMENT_NAMES)('keeps %s settings within AWS limits', (envName) => {
    const { database, api } = selectConfig(envName);

    expect(database.availabilityZones.length).toBeGreaterThanOrEqual(2);
    expect(database.maxCapacityAcu).toBeGreaterThanOrEqual(database.minCapacityAcu);
    if (database.autoPauseMinutes !== undefined) {
      expect(database.minCapacityAcu).toBe(0);
      expect(database.autoPauseMinutes).toBeGreaterThanOrEqual(5);
      expect(database.autoPauseMinutes).toBeLessThanOrEqual(1440);
    }
    // API Gateway HTTP APIs stop waiting for the integration after 30 seconds.
    expect(api.timeoutSeconds).toBeLessThan(30);
  });
});

describe('MAX_REQUEST_BYTES', () => {
  it('is 1 MiB', () => {
    expect(MAX_REQUEST_BYTES).toBe(1024 * 1024);
  });
});

describe('routeThrottles', () => {
  // openapi.yaml is generated from the Hono route definitions, so a throttled route that it lacks
  // would get the app's 404 and protect nothing.
  const openApi = parse(readFileSync(join(PROJECT_ROOT, 'openapi.yaml'), 'utf8')) as {
    paths: Record<string, Record<string, unknown>>;
  };

  it.each(
    ENVIRONMENT_NAMES.flatMap((envName) => Object.keys(selectConfig(envName).api.routeThrottles).map((routeKey) => [envName, routeKey])),
  )('%s route %s is an API operation', (_envName, routeKey) => {
    const { method, path } = parseRouteKey(routeKey);

    expect(Object.keys(openApi.paths)).toContain(path);
    expect(Object.keys(openApi.paths[path] ?? {})).toContain(method.toLowerCase());
  });
});
