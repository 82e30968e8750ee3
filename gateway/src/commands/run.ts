import type { Command } from 'commander';

import { createLogger } from '../log.js';
import { MAX_CLAIM_WAIT_SECONDS, startGateway, type StartGatewayOptions } from '../runner/start-gateway.js';
import { readConfig } from '../state/index.js';
import { CommandInputError, type CommandRegistration } from './context.js';
import type { Progress } from './output.js';

interface RunOptions {
  pollInterval: string;
  claimWait: string;
}

/** Share of a task's progress bar reached at the start of each phase. */
const PHASE_FRACTIONS: Record<string, number> = {
  checking: 0.05,
  loading: 0.15,
  downloading: 0.3,
  computing: 0.4,
  queued: 0.8,
  delivering: 0.9,
  done: 1,
};

/** Registers `run`, the daemon: claims tasks, computes on local data and delivers the results until stopped. */
export const registerRunCommand: CommandRegistration = (program, context) => {
  program
    .command('run')
    .description('run the gateway: claim tasks from the cloud, compute on local data, deliver results; stops on SIGINT or SIGTERM')
    .option('--poll-interval <ms>', 'pause after a claim found no task, in milliseconds', '1000')
    .option('--claim-wait <seconds>', `seconds each claim waits on the server for a task, 0 to ${MAX_CLAIM_WAIT_SECONDS}`, String(MAX_CLAIM_WAIT_SECONDS))
    .action(async (options: RunOptions, command: Command) => {
      const pollIntervalMs = parseNonNegative('--poll-interval', options.pollInterval);
      const claimWaitSeconds = parseNonNegative('--claim-wait', options.claimWait);
      if (claimWaitSeconds > MAX_CLAIM_WAIT_SECONDS) {
        throw new CommandInputError(`--claim-wait ${claimWaitSeconds} is above the cloud's maximum of ${MAX_CLAIM_WAIT_SECONDS} seconds`);
      }

      const stateDir = context.stateDir(command);
      const config = await readConfig(stateDir);
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);

      const bars = new Map<string, Progress>();
      const onTaskPhase: StartGatewayOptions['onTaskPhase'] = ({ taskId, phase }) => {
        let bar = bars.get(taskId);
        if (bar === undefined) {
          bar = context.output.progress(`task ${taskId}`);
          bars.set(taskId, bar);
        }
        if (phase === 'done') {
          bar.done();
          bars.delete(taskId);
          return;
        }
        bar.update(PHASE_FRACTIONS[phase] ?? 0);
      };

      try {
        const gateway = await startGateway({
          stateDir,
          logger: createLogger({ level: config.logLevel }),
          signal: controller.signal,
          pollIntervalMs,
          claimWaitSeconds,
          onTaskPhase,
        });
        await gateway.stopped;
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
};

function parseNonNegative(option: string, value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isInteger(number) || number < 0) {
    throw new CommandInputError(`${option} "${value}" must be a non-negative integer`);
  }
  return number;
}
