// Synthesis helpers for the infra tests: build the stacks of one environment in a fresh app,
// render their templates and run cdk-nag's AwsSolutions pack over them, all offline.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe } from 'vitest';

import { selectConfig, type EnvironmentName, type OnsiteConfig } from '../config.js';
import { FEATURE_FLAGS } from '../feature-flags.js';
import { listMissingHandlerEntries } from '../handlers.js';
import { buildOnsiteStacks, type OnsiteStacks } from '../onsite-app.js';

export type StackName = keyof OnsiteStacks;

/** One unacknowledged cdk-nag error: the rule (with its finding) and the construct it names. */
export interface NagError {
  readonly rule: string;
  readonly constructPath: string;
}

/**
 * Creates an app with the project's feature flags, writing its assembly to a temporary folder.
 * `validateTemplates` keeps CDK's built-in CloudFormation schema validation, which costs seconds
 * per synthesis, so suites that only read properties turn it off.
 */
export function createTestApp(options: { validateTemplates?: boolean } = {}): App {
  return new App({
    context: FEATURE_FLAGS,
    outdir: mkdtempSync(join(tmpdir(), 'onsite-cdk-')),
    builtinCloudFormationValidation: options.validateTemplates ?? true,
  });
}

/** Runs AwsSolutions over the app and returns the errors that no acknowledgement covers. */
export function listNagErrors(app: App): NagError[] {
  const report = new AwsSolutionsChecks(app).validateScope(app);

  return report.violations
    .filter((violation) => violation.severity === 'error')
    .flatMap((violation) =>
      violation.violatingResources.map((resource) => ({
        rule: violation.ruleName,
        constructPath: resource.constructPath ?? resource.resourceLogicalId ?? '(unknown construct)',
      })),
    );
}

export interface SynthesizedOnsite {
  readonly config: OnsiteConfig;
  readonly stacks: OnsiteStacks;
  readonly templates: Record<StackName, Template>;
  /** Empty when cdk-nag did not run. */
  readonly nagErrors: NagError[];
}

export interface SynthesisOptions {
  /** Run cdk-nag's AwsSolutions pack (default true). */
  readonly nag?: boolean;
  /** Run CDK's CloudFormation schema validation (default true). */
  readonly validateTemplates?: boolean;
}

/** Builds and synthesises every stack of one environment, bundling the handlers. */
export function synthesizeOnsite(envName: EnvironmentName, options: SynthesisOptions = {}): SynthesizedOnsite {
  const nag = options.nag ?? true;
  const app = createTestApp({ validateTemplates: options.validateTemplates ?? true });
  const config = selectConfig(envName);
  const stacks = buildOnsiteStacks(app, config);

  const templates = Object.fromEntries(
    Object.entries(stacks).map(([name, stack]: [string, Stack]) => [name, Template.fromStack(stack)]),
  ) as Record<StackName, Template>;

  return { config, stacks, templates, nagErrors: nag ? listNagErrors(app) : [] };
}

const missingHandlers = listMissingHandlerEntries();

/**
 * `describe` for suites that bundle the Lambda handlers. While a handler's entry file does not
 * exist yet, the suite is skipped and its title names the missing files.
 */
export function describeWithHandlers(title: string, suite: () => void): void {
  if (missingHandlers.length === 0) {
    describe(title, suite);
    return;
  }

  describe.skip(`${title} (skipped: handler entry files missing: ${missingHandlers.join(', ')})`, suite);
}
