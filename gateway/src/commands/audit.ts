import type { Command } from 'commander';

import { statePaths, verifyAuditLog } from '../state/index.js';
import type { CommandRegistration } from './context.js';

/** Exit code of `audit verify` when the chain is broken, distinct from 1 (the command failed). */
export const AUDIT_BROKEN_EXIT_CODE = 2;

/** Registers `audit verify`. */
export const registerAuditCommands: CommandRegistration = (program, context) => {
  const audit = program.command('audit').description("check the gateway's local audit log");

  audit
    .command('verify')
    .description(`check the audit log's hash chain; exits with ${AUDIT_BROKEN_EXIT_CODE} and names the first broken line if it was altered`)
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const stateDir = context.stateDir(command);
      const result = await verifyAuditLog(stateDir);
      const path = statePaths(stateDir).auditLog;

      if (options.json === true) {
        context.output.json({ path, ...result });
      } else if (result.ok) {
        context.output.line(`Audit log intact: ${result.entries} entries, last hash ${result.lastHash} (${path}).`);
      } else {
        context.output.line(
          `Audit log broken at line ${result.line}: ${result.reason}. ` +
            `The ${result.entries} entries before it are intact (${path}).`,
        );
      }

      if (!result.ok) {
        context.setExitCode(AUDIT_BROKEN_EXIT_CODE);
      }
    });
};
