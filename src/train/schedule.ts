// Learning-rate schedules, as PyTorch's schedulers stepped once per epoch:
//   cosine       CosineAnnealingLR(T_max = epochs, eta_min): lr_e = eta_min + (lr - eta_min)(1 + cos(pi e / E)) / 2
//   exponential  ExponentialLR(gamma): lr_e = lr * gamma^e (PneumoniaMNIST in the paper: gamma 0.9)
//   constant     lr_e = lr
// An optional linear warm-up multiplies the rate by (s + 1) / W over the first W optimiser steps
// (s counted from the start of training), the usual per-step ramp. The rate is a pure function of
// (epoch, step), so a resumed run sets exactly the rates of an uninterrupted one.
import { TrainConfigError } from './errors.ts';

export type ScheduleKind = 'cosine' | 'exponential' | 'constant';

export interface LrSchedule {
  readonly kind: ScheduleKind;
  /** The rate at epoch 0 (after warm-up). */
  readonly lr: number;
  /** Epochs of the whole run (cosine's T_max). */
  readonly epochs: number;
  /** Cosine's floor (eta_min); default 0. */
  readonly minLr?: number;
  /** Exponential's factor per epoch. */
  readonly gamma?: number;
  /** Optimiser steps of linear warm-up; default 0 (none). */
  readonly warmupSteps?: number;
}

/** Checks a schedule's numbers; a bad one is a TrainConfigError naming it. */
export function checkSchedule(s: LrSchedule): void {
  if (!(s.lr >= 0) || !Number.isFinite(s.lr)) throw new TrainConfigError(`learning rate must be a finite number >= 0, got ${s.lr}`);
  if (!Number.isInteger(s.epochs) || s.epochs < 1) throw new TrainConfigError(`epochs must be a whole number >= 1, got ${s.epochs}`);
  if (s.kind === 'exponential' && !(s.gamma !== undefined && s.gamma > 0 && s.gamma <= 1)) {
    throw new TrainConfigError(`the exponential schedule needs gamma in (0, 1], got ${s.gamma}`);
  }
  if (s.minLr !== undefined && !(s.minLr >= 0 && s.minLr <= s.lr)) throw new TrainConfigError(`minLr must be in [0, lr], got ${s.minLr}`);
  if (s.warmupSteps !== undefined && !(Number.isInteger(s.warmupSteps) && s.warmupSteps >= 0)) {
    throw new TrainConfigError(`warm-up steps must be a whole number >= 0, got ${s.warmupSteps}`);
  }
  if (!['cosine', 'exponential', 'constant'].includes(s.kind)) throw new TrainConfigError(`unknown schedule '${s.kind}': use cosine, exponential or constant`);
}

/** The schedule's rate for epoch `epoch` (0-based), before warm-up. */
export function epochLearningRate(s: LrSchedule, epoch: number): number {
  switch (s.kind) {
    case 'cosine': {
      const floor = s.minLr ?? 0;
      return floor + ((s.lr - floor) * (1 + Math.cos((Math.PI * epoch) / s.epochs))) / 2;
    }
    case 'exponential':
      return s.lr * Math.pow(s.gamma!, epoch);
    case 'constant':
      return s.lr;
  }
}

/** The rate of optimiser step `globalStep` (0-based, over the whole run), which falls in `epoch`. */
export function learningRate(s: LrSchedule, epoch: number, globalStep: number): number {
  const base = epochLearningRate(s, epoch);
  const w = s.warmupSteps ?? 0;
  return w > 0 && globalStep < w ? (base * (globalStep + 1)) / w : base;
}
