/**
 * Command output: the only gateway module that writes to standard output. Tables and messages go
 * to stdout; progress goes to stderr, so that `onsite-gateway ... --json > file` stays valid JSON.
 */

/** The part of a stream that output needs. `isTTY` is true when a person is watching a terminal. */
export interface TextStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface Output {
  line(text?: string): void;
  json(value: unknown): void;
  table(rows: readonly (readonly string[])[], header: readonly string[]): void;
  /** Starts a progress report for a step; call `update` with a fraction in [0, 1], then `done`. */
  progress(label: string): Progress;
}

export interface Progress {
  update(fraction: number): void;
  done(): void;
}

export function createOutput(stdout: TextStream, stderr: TextStream): Output {
  return {
    line(text = '') {
      stdout.write(`${text}\n`);
    },
    json(value) {
      stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
    table(rows, header) {
      stdout.write(formatTable(rows, header));
    },
    progress(label) {
      return stderr.isTTY === true ? createProgressBar(stderr, label) : createProgressLines(stderr, label);
    },
  };
}

/** Formats rows as left-aligned columns separated by two spaces, with a dashed rule under the header. */
export function formatTable(rows: readonly (readonly string[])[], header: readonly string[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const render = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();

  const lines = [render(header), render(widths.map((width) => '-'.repeat(width))), ...rows.map(render)];
  return `${lines.join('\n')}\n`;
}

const BAR_WIDTH = 30;

/** Redraws one line in place (`\r`) on a terminal. */
function createProgressBar(stream: TextStream, label: string): Progress {
  let lastPercent = -1;
  const draw = (fraction: number) => {
    const percent = Math.floor(clampFraction(fraction) * 100);
    if (percent === lastPercent) {
      return;
    }
    lastPercent = percent;
    const filled = Math.round((percent / 100) * BAR_WIDTH);
    stream.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${String(percent).padStart(3)}%`);
  };
  return {
    update: draw,
    done() {
      draw(1);
      stream.write('\n');
    },
  };
}

/** Writes one JSON line per whole percent reached, for logs and supervisors that read lines. */
function createProgressLines(stream: TextStream, label: string): Progress {
  let lastPercent = -1;
  const emit = (fraction: number) => {
    const percent = Math.floor(clampFraction(fraction) * 100);
    if (percent === lastPercent) {
      return;
    }
    lastPercent = percent;
    stream.write(`${JSON.stringify({ type: 'progress', step: label, percent })}\n`);
  };
  return {
    update: emit,
    done() {
      emit(1);
    },
  };
}

function clampFraction(fraction: number): number {
  if (!Number.isFinite(fraction)) {
    return 0;
  }
  return Math.min(1, Math.max(0, fraction));
}
