import type { Command } from 'commander';

import { applyPolicyAssignments, readSitePolicy, writeSitePolicy, type SitePolicy } from '../policy/index.js';
import { appendAuditEvent, ensureStateDir } from '../state/index.js';
import type { CommandContext, CommandRegistration } from './context.js';

/** Registers `policy show` and `policy set`. */
export const registerPolicyCommands: CommandRegistration = (program, context) => {
  const policy = program.command('policy').description("show or change the site's privacy policy");

  policy
    .command('show')
    .description('print the site policy in force (defaults included)')
    .option('--json', 'print the policy as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const current = await readSitePolicy(context.stateDir(command));
      printPolicy(context, current, options.json === true);
    });

  policy
    .command('set')
    .description('change policy keys, for example: policy set minCellSize=10 allowedProjects=prj_a,prj_b')
    .argument('<key=value...>', 'assignments; lists are comma-separated or "all", maxUpdateNorm=none removes the bound')
    .option('--json', 'print the new policy as JSON')
    .addHelpText(
      'after',
      '\nKeys: allowedProjects, allowedModelFamilies, allowedColumns, minCohortSize, minCellSize,\n' +
        'smallCellAction (suppress|refuse), releaseExactEventTimes (true|false), releaseExactScores (true|false), eventTimeBinDays,\n' +
        'maxRoundsPerJob, maxUpdateNorm (number|none), roundCountsTo.',
    )
    .action(async (assignments: string[], options: { json?: boolean }, command: Command) => {
      const stateDir = context.stateDir(command);
      await ensureStateDir(stateDir);

      const current = await readSitePolicy(stateDir);
      const next = applyPolicyAssignments(current, assignments);
      await writeSitePolicy(stateDir, next);
      await appendAuditEvent(stateDir, { type: 'policy.changed', details: { changes: diffPolicies(current, next) } }, context.now());

      printPolicy(context, next, options.json === true);
    });
};

function printPolicy(context: CommandContext, policy: SitePolicy, asJson: boolean): void {
  if (asJson) {
    context.output.json(policy);
    return;
  }
  const rows = Object.entries(policy).map(([key, value]) => [key, Array.isArray(value) ? value.join(',') || '(none)' : String(value)]);
  if (policy.maxUpdateNorm === undefined) {
    rows.push(['maxUpdateNorm', 'none']);
  }
  context.output.table(rows, ['KEY', 'VALUE']);
}

/** Lists the keys whose value changed, with old and new values, for the audit log. */
function diffPolicies(before: SitePolicy, after: SitePolicy): Record<string, { from: unknown; to: unknown }> {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]) as Set<keyof SitePolicy>;
  for (const key of keys) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      changes[key] = { from: before[key] ?? null, to: after[key] ?? null };
    }
  }
  return changes;
}
