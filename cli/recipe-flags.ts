// The flags that set the training recipe (train, truth build, reproduce run): one list, one parser,
// so that every command takes --epochs, --init-channels, --batch, --lr and --max-images alike.
import type { TrainConfig } from '../src/train/config.ts';
import { floatValue, initChannelsValue, intValue, optional } from './options.ts';

/** The recipe's options as cac hands them over (values unchecked). */
export interface RecipeFlags {
  epochs?: unknown;
  initChannels?: unknown;
  batch?: unknown;
  lr?: unknown;
  maxImages?: unknown;
}

type RecipeField = 'epochs' | 'initChannels' | 'batchSize' | 'lr' | 'maxImages';

/** One flag that was given, with the config field it sets and its checked value. */
export interface RecipeOverride {
  readonly flag: string;
  readonly field: RecipeField;
  readonly value: number;
}

const RECIPE_FLAGS: readonly { flag: string; option: keyof RecipeFlags; field: RecipeField; parse: (v: unknown) => number }[] = [
  { flag: '--epochs', option: 'epochs', field: 'epochs', parse: (v) => intValue(v, '--epochs', { min: 1, max: 100_000 }) },
  { flag: '--init-channels', option: 'initChannels', field: 'initChannels', parse: (v) => initChannelsValue(v) },
  { flag: '--batch', option: 'batch', field: 'batchSize', parse: (v) => intValue(v, '--batch', { min: 2, max: 65_536 }) },
  { flag: '--lr', option: 'lr', field: 'lr', parse: (v) => floatValue(v, '--lr', { min: 0, max: 1e6 }) },
  { flag: '--max-images', option: 'maxImages', field: 'maxImages', parse: (v) => intValue(v, '--max-images', { min: 2 }) },
];

/** The recipe flags given, in a fixed order, each checked (a bad value throws CliUsageError naming its flag). */
export function recipeOverrides(f: RecipeFlags): RecipeOverride[] {
  const out: RecipeOverride[] = [];
  for (const r of RECIPE_FLAGS) {
    const value = optional(f[r.option], r.parse);
    if (value !== undefined) out.push({ flag: r.flag, field: r.field, value });
  }
  return out;
}

/** The recipe flags given, as a partial training config. */
export function recipeFromFlags(f: RecipeFlags): Partial<Pick<TrainConfig, RecipeField>> {
  return Object.fromEntries(recipeOverrides(f).map((o) => [o.field, o.value]));
}
