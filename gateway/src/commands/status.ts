import type { Command } from 'commander';

import { listDatasets, listPendingDeliveries, loadKeyPair, readConfig, readRuntimeStatus } from '../state/index.js';
import type { CommandRegistration } from './context.js';

/** Registers `status`, which reports enrolment, pending deliveries and running tasks from the state folder. */
export const registerStatusCommand: CommandRegistration = (program, context) => {
  program
    .command('status')
    .description('show enrolment, pending deliveries, last cloud contact and tasks in progress')
    .option('--json', 'print the status as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const stateDir = context.stateDir(command);

      const config = await readConfig(stateDir);
      const keyPair = await loadKeyPair(stateDir);
      const datasets = await listDatasets(stateDir);
      const outbox = await listPendingDeliveries(stateDir);
      const runtime = await readRuntimeStatus(stateDir);

      // The credential is reported only as present or absent, never printed.
      const status = {
        stateDir,
        apiUrl: config.apiUrl ?? null,
        gatewayId: config.gatewayId ?? null,
        enrolled: config.gatewayId !== undefined && config.credential !== undefined,
        publicKeyFingerprint: keyPair?.fingerprint ?? null,
        datasets: datasets.length,
        pendingDeliveries: outbox.deliveries.map((delivery) => ({
          id: delivery.id,
          kind: delivery.kind,
          taskId: delivery.taskId ?? null,
          createdAt: delivery.createdAt,
          attempts: delivery.attempts,
          lastError: delivery.lastError ?? null,
          nextAttemptAt: delivery.nextAttemptAt ?? null,
        })),
        unreadableDeliveries: outbox.unreadable,
        lastContactAt: runtime.lastContactAt ?? null,
        tasksInProgress: runtime.tasksInProgress,
        statusUpdatedAt: runtime.updatedAt ?? null,
      };

      if (options.json === true) {
        context.output.json(status);
        return;
      }

      const { output } = context;
      output.table(
        [
          ['state folder', status.stateDir],
          ['cloud API', status.apiUrl ?? '(not set)'],
          ['gateway id', status.gatewayId ?? '(not enrolled)'],
          ['enrolled', status.enrolled ? 'yes' : 'no'],
          ['key fingerprint', status.publicKeyFingerprint ?? '(no key pair yet)'],
          ['datasets', String(status.datasets)],
          ['pending deliveries', String(status.pendingDeliveries.length)],
          ['last cloud contact', status.lastContactAt ?? 'never'],
          ['tasks in progress', String(status.tasksInProgress.length)],
        ],
        ['ITEM', 'VALUE'],
      );

      if (status.pendingDeliveries.length > 0) {
        output.line();
        output.table(
          status.pendingDeliveries.map((delivery) => [
            delivery.id,
            delivery.taskId ?? '',
            delivery.createdAt,
            String(delivery.attempts),
            delivery.lastError ?? '',
          ]),
          ['DELIVERY', 'TASK', 'QUEUED', 'ATTEMPTS', 'LAST ERROR'],
        );
      }
      for (const unreadable of status.unreadableDeliveries) {
        output.line(`warning: cannot read ${unreadable.file}: ${unreadable.reason}`);
      }
      if (status.tasksInProgress.length > 0) {
        output.line();
        output.table(
          status.tasksInProgress.map((task) => [task.taskId, task.jobId ?? '', task.phase, task.startedAt]),
          ['TASK', 'JOB', 'PHASE', 'STARTED'],
        );
      }
    });
};
