import type { Command } from 'commander';

import type { SitePolicy } from '../policy/index.js';
import type { DatasetRecord } from '../state/index.js';
import { resolveStateDir } from '../state/index.js';
import type { Output, TextStream } from './output.js';

/**
 * Sends a newly added dataset's description to the cloud and returns the id the cloud assigned.
 * Supplied by the cloud client once the gateway is enrolled; without it, datasets stay local.
 */
export type RegisterWithCloud = (request: {
  stateDir: string;
  dataset: DatasetRecord;
  policy: SitePolicy;
}) => Promise<{ cloudId: string }>;

/** The CLI's streams, environment and hooks, injected so tests can run it against a temporary folder. */
export interface CliDependencies {
  stdout: TextStream;
  stderr: TextStream;
  env: Readonly<Record<string, string | undefined>>;
  now?: () => Date;
  registerWithCloud?: RegisterWithCloud;
}

/** Shared by every command: dependencies, output and the state folder chosen by `--state`. */
export interface CommandContext {
  deps: CliDependencies;
  output: Output;
  now(): Date;
  /** Resolves the state folder from the command's `--state` option, the environment or the default. */
  stateDir(command: Command): string;
  /** Sets the process exit code for a command that completed but reports a failed check. */
  setExitCode(code: number): void;
  readonly exitCode: number;
}

/** Adds one command (or group of commands) to the program; the CLI calls each registration once. */
export type CommandRegistration = (program: Command, context: CommandContext) => void;

export function createCommandContext(deps: CliDependencies, output: Output): CommandContext {
  let exitCode = 0;
  return {
    deps,
    output,
    now: deps.now ?? (() => new Date()),
    setExitCode(code) {
      exitCode = code;
    },
    get exitCode() {
      return exitCode;
    },
    stateDir(command) {
      const { state } = command.optsWithGlobals<{ state?: string }>();
      return resolveStateDir(state, deps.env);
    },
  };
}

/** Parses repeated `column=value` options into a map, naming the option in errors. */
export function parseColumnAssignments(option: string, values: readonly string[]): Map<string, string> {
  const assignments = new Map<string, string>();
  for (const value of values) {
    const separator = value.indexOf('=');
    if (separator <= 0) {
      throw new CommandInputError(`${option} "${value}" must look like column=value`);
    }
    const column = value.slice(0, separator);
    if (assignments.has(column)) {
      throw new CommandInputError(`${option} is given twice for column "${column}"; give it once`);
    }
    assignments.set(column, value.slice(separator + 1));
  }
  return assignments;
}

/** Raised for invalid command-line input; the CLI prints the message without a stack trace. */
export class CommandInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandInputError';
  }
}

/** Collects a repeatable option's values into a list (commander's argument parser form). */
export function collectValues(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
