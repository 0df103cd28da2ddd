// The exported state of either optimiser, told apart by its `algorithm` field: what a search
// checkpoint stores and what Nsga2.restore / Moead.restore take back. Narrowing on `algorithm`
// gives each optimiser its own state type, so callers need no casts.
import type { MoeadState } from './moead.ts';
import type { Nsga2State } from './nsga2.ts';

export type OptimiserState = Nsga2State | MoeadState;
export type OptimiserName = OptimiserState['algorithm'];
