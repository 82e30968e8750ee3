import { Command, CommanderError } from 'commander';

import { registerAuditCommands } from './commands/audit.js';
import { createCommandContext, type CliDependencies, type CommandContext, type CommandRegistration } from './commands/context.js';
import { registerDatasetCommands } from './commands/dataset.js';
import { registerEnrollCommand } from './commands/enroll.js';
import { createOutput } from './commands/output.js';
import { registerPolicyCommands } from './commands/policy.js';
import { registerRunCommand } from './commands/run.js';
import { registerStatusCommand } from './commands/status.js';
import { GATEWAY_VERSION } from './runner/start-gateway.js';
import { STATE_DIR_ENV } from './state/index.js';

export type { CliDependencies, CommandContext, CommandRegistration, RegisterWithCloud } from './commands/context.js';

/** One version for the CLI's --version and the gateway's reports to the cloud. */
export { GATEWAY_VERSION };

/**
 * The commands of `onsite-gateway`, in help order. Adding a command is one entry here: a function
 * that receives the program and the shared context (see `registerStatusCommand` for the shape).
 */
export const COMMAND_REGISTRATIONS: readonly CommandRegistration[] = [
  registerEnrollCommand,
  registerDatasetCommands,
  registerPolicyCommands,
  registerStatusCommand,
  registerAuditCommands,
  registerRunCommand,
];

/** Builds the commander program with the global options and the given commands. */
export function createProgram(
  deps: CliDependencies,
  registrations: readonly CommandRegistration[] = COMMAND_REGISTRATIONS,
): { program: Command; context: CommandContext } {
  const output = createOutput(deps.stdout, deps.stderr);
  const context = createCommandContext(deps, output);

  const program = new Command('onsite-gateway')
    .description('Onsite hospital gateway: trains and evaluates federated models on local data, sends back only aggregates')
    .version(GATEWAY_VERSION)
    .option('--state <dir>', `state folder (default: $${STATE_DIR_ENV}, else ~/.onsite-gateway)`)
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void deps.stdout.write(text),
      writeErr: (text) => void deps.stderr.write(text),
    });

  registerCommands(program, context, registrations);
  return { program, context };
}

/** Adds each registration's commands to the program. */
export function registerCommands(program: Command, context: CommandContext, registrations: readonly CommandRegistration[]): void {
  for (const register of registrations) {
    register(program, context);
  }
}

/**
 * Runs the CLI on `argv` (as `process.argv`, program name included) and returns the exit code:
 * 0 on success, 1 when a command failed, or the code a command set (for example `audit verify`).
 */
export async function runCli(
  argv: readonly string[],
  deps: CliDependencies,
  registrations: readonly CommandRegistration[] = COMMAND_REGISTRATIONS,
): Promise<number> {
  const { program, context } = createProgram(deps, registrations);

  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed its message (usage errors) or the help and version text.
      return error.exitCode;
    }
    deps.stderr.write(`error: ${(error as Error).message}\n`);
    if (deps.env.ONSITE_DEBUG === '1' && error instanceof Error && error.stack !== undefined) {
      deps.stderr.write(`${error.stack}\n`);
    }
    return 1;
  }
  return context.exitCode;
}
