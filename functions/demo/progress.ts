/** Receiver of the demo's progress events while the study runs. */
export interface StudyProgress {
  step(message: string): void;
  jobStarted(title: string, jobId: string, computation: string): void;
  roundCompleted(title: string, round: number, metrics: Record<string, unknown>): void;
  jobFinished(title: string, jobId: string, rounds: number): void;
}

/** Round metrics worth a progress line, in display order: the quantity each method converges on. */
const CONVERGENCE_METRICS: [key: string, label: string, digits: number][] = [
  ['loglik', 'log-likelihood', 6],
  ['deviance', 'deviance', 6],
  ['loss', 'training loss', 4],
  ['accuracy', 'accuracy', 3],
  ['auc', 'AUC', 3],
  ['concordance', 'concordance', 3],
];

/**
 * Writes progress lines with the time elapsed since the start, in seconds:
 * `[ 19.5s] Cox model: round 4 done, log-likelihood -1408.818951, concordance 0.692`.
 */
export function createTextProgress(write: (text: string) => void, startedAt = performance.now()): StudyProgress {
  const line = (message: string) => write(`[${((performance.now() - startedAt) / 1000).toFixed(1).padStart(5)}s] ${message}\n`);
  return {
    step: line,
    jobStarted(title, jobId, computation) {
      line(`${title}: job ${jobId} (${computation}) launched`);
    },
    roundCompleted(title, round, metrics) {
      const parts = CONVERGENCE_METRICS.flatMap(([key, label, digits]) => {
        const value = metrics[key];
        return typeof value === 'number' && Number.isFinite(value) ? [`${label} ${value.toFixed(digits)}`] : [];
      });
      line(`${title}: round ${round} done${parts.length > 0 ? `, ${parts.join(', ')}` : ''}`);
    },
    jobFinished(title, jobId, rounds) {
      line(`${title}: job ${jobId} succeeded after ${rounds} round${rounds === 1 ? '' : 's'}`);
    },
  };
}
