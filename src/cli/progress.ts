// Training progress on stderr: a cli-progress bar on a terminal, otherwise one plain line about
// every second ("step 1200/5000 loss 0.0123 val_metric 0.0456"), and the last state at the end.
import cliProgress from 'cli-progress';
import type { TrainProgress } from '../engine/training/index.js';

export interface ProgressReporter {
  update(progress: TrainProgress): void;
  /** Stops the bar (or prints the last line); safe to call twice. */
  stop(): void;
}

const num = (v: number | null): string => (v === null ? '-' : Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : v.toPrecision(4));

export function formatProgress(p: TrainProgress): string {
  return `step ${p.step}/${p.steps} loss ${num(p.loss)} val_metric ${num(p.val_metric)}`;
}

export function createReporter(stream: NodeJS.WriteStream = process.stderr, intervalMs = 1000): ProgressReporter {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: 'training |{bar}| {percentage}% | step {value}/{total} | loss {loss} | val {val} | eta {eta_formatted}',
        hideCursor: true,
        etaBuffer: 50,
        fps: 10,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    let stopped = false;
    return {
      update(p) {
        if (stopped) return;
        const payload = { loss: num(p.loss), val: num(p.val_metric) };
        if (!started) {
          bar.start(Math.max(p.steps, 1), p.step, payload);
          started = true;
        } else {
          bar.setTotal(Math.max(p.steps, 1));
          bar.update(p.step, payload);
        }
      },
      stop() {
        if (started && !stopped) bar.stop();
        stopped = true;
      },
    };
  }
  let last: TrainProgress | undefined;
  let printed: TrainProgress | undefined;
  let lastAt = 0;
  let stopped = false;
  return {
    update(p) {
      if (stopped) return;
      last = p;
      const now = Date.now();
      if (now - lastAt >= intervalMs) {
        stream.write(`${formatProgress(p)}\n`);
        printed = p;
        lastAt = now;
      }
    },
    stop() {
      if (!stopped && last && last !== printed) stream.write(`${formatProgress(last)}\n`);
      stopped = true;
    },
  };
}
