// How `mednas train` shows a run: with --json one JSON object per event on stdout (machines); on a
// terminal a bar per epoch (steps, loss, images/s, ETA) drawn on the user's real terminal
// (progressTerminal(): fd 3 in the quiet-Dawn child) and one summary line per epoch on stdout;
// otherwise the summary lines alone.
import type { TrainEvent } from '../src/index.ts';
import { LiveBar } from './terminal.ts';

export interface TrainReporter {
  readonly onProgress: (event: TrainEvent) => void;
  /** Removes a bar left on the terminal (after an error). */
  close(): void;
}

const fixed = (v: number, digits = 4): string => v.toFixed(digits);

/** The line printed after each epoch (also for --json-less runs without a terminal). */
export function epochLine(e: Extract<TrainEvent, { type: 'epoch' }>): string {
  const r = e.record;
  return (
    `epoch ${r.epoch + 1}/${e.epochs}: loss ${fixed(r.trainLoss)}, lr ${r.lr.toPrecision(3)}, ` +
    `val ACC ${fixed(r.val.acc, 3)} AUC ${fixed(r.val.auc, 3)}${r.best ? ' (best)' : ''}, ` +
    `${r.seconds.toFixed(1)} s, ${r.imagesPerSecond.toFixed(0)} images/s`
  );
}

export function trainReporter(options: { json: boolean }): TrainReporter {
  if (options.json) {
    return {
      onProgress: (e) => {
        // Per-batch scoring progress is for bars only.
        if (e.type !== 'evaluate') console.log(JSON.stringify({ event: e.type, ...e }, (k, v) => (k === 'type' ? undefined : v)));
      },
      close: () => undefined,
    };
  }
  const bar = new LiveBar('epoch {epochNo}/{epochs} {bar} {value}/{total} | loss {loss} | {ips} images/s | ETA {eta_formatted}');
  return {
    onProgress: (e) => {
      switch (e.type) {
        case 'start':
          console.log(
            `training: ${e.images.train} / ${e.images.val} / ${e.images.test} images (train / val / test), ` +
              `${e.stepsPerEpoch} steps per epoch, ${e.params.toLocaleString('en-US')} parameters` +
              (e.startEpoch > 0 ? `; resuming after epoch ${e.startEpoch}` : ''),
          );
          return;
        case 'step':
          bar.update(e.step + 1, e.steps, { epochNo: e.epoch + 1, epochs: e.epochs, loss: fixed(e.loss), ips: e.imagesPerSecond.toFixed(0) });
          return;
        case 'evaluate':
          return;
        case 'epoch':
          bar.stop();
          console.log(epochLine(e));
          return;
        case 'test':
          bar.stop();
          console.log(`test (best epoch ${e.bestEpoch + 1}): ACC ${fixed(e.metrics.acc, 4)} AUC ${fixed(e.metrics.auc, 4)}`);
      }
    },
    close: () => bar.stop(),
  };
}
