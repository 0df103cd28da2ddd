// `--config FILE` and `--print-config`, shared by `mednas search` and `mednas train`. The file is a
// JSON object with the config's own field names (SearchConfig's or TrainConfig's, as a checkpoint or
// model file stores them) plus `dataset` (what --dataset takes: a name, or a path, relative to the
// file's folder). Any subset of the fields may be given: the settings are the preset's, then the
// file's, then the flags' (flags > file > preset). --print-config prints the whole effective config
// in this same form, so its output is a config file that gives the same run (train's with its
// `arch`). A file may also hold the run's flags that are not config fields, each standing in for its
// flag when the flag is not given: `out` (relative to the file's folder), `backend`, `adapter`, and
// for train `arch` (a name, a genotype, or a path relative to the file's folder).
//
// Each command describes its fields in a schema typed by the config's own interface, so a field
// added to SearchConfig or TrainConfig without a check here fails the type check. A key that is not
// a field, or a value of the wrong type or out of range, is a ConfigFileError naming the file and
// the key; the library's own checks (checkSearchConfig, checkTrainConfig) then see the merged config.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import {
  ALGORITHMS, describeValue, OBJECTIVE_KINDS, PICK_RULES, POSTERIZE_BITS, PRESET_NAMES, SEARCH_PRESETS, SYNFLOW_SCALES, WEIGHT_DECAY_ON,
  type AugMixOptions, type RefineSettings, type ScheduleKind, type SearchConfig, type TrainConfig,
} from '../src/index.ts';
import { datasetSource, isRegisteredDataset, type DatasetSource } from '../src/node/index.ts';
import { CliUsageError, pathValue } from './options.ts';

/** A config file that cannot be used: the message names the file and the key. */
export class ConfigFileError extends CliUsageError {
  override name = 'ConfigFileError';
}

/** A value that fails its check: `where` is its key path ('augmix.width'). */
class FieldError extends Error {
  constructor(
    readonly where: string,
    readonly expected: string,
    readonly value: unknown,
  ) {
    super(`${where}`);
  }
}

/** Checks one value of the file, returning it typed (throws FieldError). */
export type FieldCheck<T> = (value: unknown, where: string) => T;

/** A check for every field of C: adding a field to C without one is a type error. */
export type ConfigSchema<C> = { readonly [K in keyof C]-?: FieldCheck<C[K]> };

const fail = (where: string, expected: string, value: unknown): never => {
  throw new FieldError(where, expected, value);
};

/** The value checks a schema is made of. */
export const field = {
  /** A whole number in [min, max]. */
  int(min: number, max: number = Number.MAX_SAFE_INTEGER): FieldCheck<number> {
    const expected = max === Number.MAX_SAFE_INTEGER ? `a whole number >= ${min}` : `a whole number from ${min} to ${max}`;
    return (v, where) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max ? v : fail(where, expected, v));
  },
  /** A finite number in [min, max]. */
  number(min = -Infinity, max = Infinity): FieldCheck<number> {
    const expected = `a number${Number.isFinite(min) ? ` >= ${min}` : ''}${Number.isFinite(max) ? ` and <= ${max}` : ''}`;
    return (v, where) => (typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? v : fail(where, expected, v));
  },
  boolean(): FieldCheck<boolean> {
    return (v, where) => (typeof v === 'boolean' ? v : fail(where, 'true or false', v));
  },
  /** One of `choices` (compared as is: the string '4' is not the number 4). */
  oneOf<T extends string | number>(choices: readonly T[]): FieldCheck<T> {
    return (v, where) => (choices.includes(v as T) ? (v as T) : fail(where, `one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`, v));
  },
  /** A non-empty string. */
  text(): FieldCheck<string> {
    return (v, where) => (typeof v === 'string' && v.trim() !== '' ? v : fail(where, 'a non-empty string', v));
  },
  /** An array of at least `min` non-empty strings. */
  texts(min = 1): FieldCheck<string[]> {
    return (v, where) => {
      if (!Array.isArray(v) || v.length < min) return fail(where, `an array of at least ${min} name(s)`, v);
      return v.map((x, i) => field.text()(x, `${where}[${i}]`));
    };
  },
  /** null, or what `check` allows. */
  nullable<T>(check: FieldCheck<T>): FieldCheck<T | null> {
    return (v, where) => (v === null ? null : check(v, where));
  },
  /** An object with exactly the schema's keys (a nested object replaces the preset's whole). */
  object<T>(schema: ConfigSchema<T>): FieldCheck<T> {
    return (v, where) => {
      const r = plainObject(v) ?? fail(where, `an object with ${Object.keys(schema).join(', ')}`, v);
      const keys = Object.keys(schema);
      const extra = Object.keys(r).find((k) => !keys.includes(k));
      if (extra !== undefined) fail(`${where}.${extra}`, `no such key (${where} has ${keys.join(', ')})`, r[extra]);
      const missing = keys.find((k) => !(k in r));
      if (missing !== undefined) fail(`${where}.${missing}`, `a value (${where} needs all of ${keys.join(', ')})`, undefined);
      return Object.fromEntries(keys.map((k) => [k, (schema as Record<string, FieldCheck<unknown>>)[k](r[k], `${where}.${k}`)])) as T;
    };
  },
};

function plainObject(v: unknown): Record<string, unknown> | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  return v as Record<string, unknown>;
}

export interface ConfigFile<C> {
  /** The file's absolute path. */
  readonly path: string;
  /** The fields it sets, checked. */
  readonly values: Partial<C>;
  /** The run keys it sets (SEARCH_RUN_KEYS, TRAIN_RUN_KEYS), as given. */
  readonly run: Readonly<Partial<Record<RunKey, string>>>;
}

/** A flag a config file may set that is not a config field: how its value is read. */
export type RunKey = 'out' | 'arch' | 'backend' | 'adapter';
/** The run keys of `mednas search` and of `mednas train`. */
export const SEARCH_RUN_KEYS: readonly RunKey[] = ['out', 'backend', 'adapter'];
export const TRAIN_RUN_KEYS: readonly RunKey[] = ['out', 'arch', 'backend', 'adapter'];

/**
 * Reads and checks `--config FILE` against `schema` (`what`: 'search' or 'train', for messages).
 * `aliases` maps flag names that users may write as keys ('pop') to the field they set ('popSize').
 */
export async function readConfigFile<C>(
  flag: unknown, schema: ConfigSchema<C>, what: string, aliases: Readonly<Record<string, string>> = {}, runKeys: readonly RunKey[] = [],
): Promise<ConfigFile<C>> {
  const path = await pathValue(flag, '--config', 'file');
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new ConfigFileError(`--config ${path}: not a JSON file (${(e as Error).message}); a config file is one JSON object, as \`mednas ${what} --print-config\` prints`);
  }
  const top = plainObject(parsed);
  if (top === null) throw new ConfigFileError(`--config ${path}: holds ${describeValue(parsed)}, not a JSON object of settings (\`mednas ${what} --print-config\` prints one)`);
  const known = Object.keys(schema);
  const values: Record<string, unknown> = {};
  const run: Partial<Record<RunKey, string>> = {};
  for (const [key, value] of Object.entries(top)) {
    if ((runKeys as readonly string[]).includes(key)) {
      if (typeof value !== 'string' || value.trim() === '') throw new ConfigFileError(`--config ${path}: "${key}" is ${describeValue(value)}; expected a non-empty string, as --${key} takes`);
      run[key as RunKey] = value;
      continue;
    }
    if (!known.includes(key)) {
      const alias = aliases[key.replace(/^-+/, '')];
      const hint = alias ? `the key for --${key.replace(/^-+/, '')} is "${alias}"` : `the keys of a ${what} config: ${[...known, ...runKeys].join(', ')}`;
      throw new ConfigFileError(`--config ${path}: unknown key "${key}" (${hint})`);
    }
    try {
      values[key] = (schema as Record<string, FieldCheck<unknown>>)[key](value, key);
    } catch (e) {
      if (!(e instanceof FieldError)) throw e;
      throw new ConfigFileError(`--config ${path}: "${e.where}" is ${describeValue(e.value)}; expected ${e.expected}`);
    }
  }
  return { path, values: values as Partial<C>, run };
}

/** What --config adds to a command's flags: the file, and its dataset as --dataset when that flag is not given. */
export interface ConfigFlags<C> {
  readonly configFile?: ConfigFile<C>;
}

/**
 * The flags with --config's file read and checked (`configFile`). The file's `dataset` stands in
 * for --dataset (a path in it is relative to the file's folder), and its run keys for their flags
 * (`out` relative to the file's folder; `arch` too where that names something there); a flag given
 * on the command line wins.
 */
export async function withConfigFile<F extends { config?: unknown; dataset?: unknown }, C extends { readonly dataset: string }>(
  flags: F, schema: ConfigSchema<C>, what: string, aliases: Readonly<Record<string, string>> = {}, runKeys: readonly RunKey[] = [],
): Promise<F & ConfigFlags<C>> {
  if (flags.config === undefined) return flags;
  const file = await readConfigFile(flags.config, schema, what, aliases, runKeys);
  const folder = dirname(file.path);
  const fromFile: Record<string, string> = {};
  for (const [key, value] of Object.entries(file.run) as [RunKey, string][]) {
    if ((flags as Record<string, unknown>)[key] !== undefined) continue;
    if (key === 'out') fromFile.out = resolve(folder, value);
    else if (key === 'arch') fromFile.arch = !isAbsolute(value) && existsSync(resolve(folder, value)) ? resolve(folder, value) : value;
    else fromFile[key] = value;
  }
  flags = { ...flags, ...fromFile };
  const spec = file.values.dataset?.trim();
  if (flags.dataset !== undefined || spec === undefined) return { ...flags, configFile: file };
  const dataset = isRegisteredDataset(spec) || isAbsolute(spec) ? spec : resolve(dirname(file.path), spec);
  try {
    datasetSource(dataset);
  } catch (e) {
    throw new ConfigFileError(`--config ${file.path}: "dataset": ${(e as Error).message}`);
  }
  return { ...flags, dataset, configFile: file };
}

/** The file's fields other than `dataset` (which withConfigFile turned into --dataset). */
export function configFields<C extends { readonly dataset: string }>(flags: ConfigFlags<C>): Partial<Omit<C, 'dataset'>> {
  const { dataset: _dataset, ...rest } = flags.configFile?.values ?? {};
  return rest as Partial<Omit<C, 'dataset'>>;
}

/** What `dataset` is in a printed config: the path of your own data (absolute), else the name. */
export function printedDataset(given: DatasetSource | undefined, name: string): string {
  return given?.path ? resolve(given.path) : name;
}

/** --print-config: the effective config as a JSON object, `dataset` (and `arch`, for train) first (a config file as it is). */
export function printConfig(dataset: string, config: object, arch?: string): void {
  const shown: Record<string, unknown> = { dataset, ...(arch !== undefined ? { arch } : {}) };
  Object.assign(shown, config);
  shown.dataset = dataset; // the config's own `dataset` is a name; your own data is found by its path
  console.log(JSON.stringify(shown, null, 2));
}

const SEED = field.int(0, 2 ** 32 - 1);

/** `mednas search --config`: SearchConfig's fields (ranges as the flags'; checkSearchConfig checks the rest). */
export const SEARCH_CONFIG_SCHEMA: ConfigSchema<SearchConfig> = {
  dataset: field.text(),
  preset: field.oneOf(SEARCH_PRESETS),
  algorithm: field.oneOf(ALGORITHMS),
  popSize: field.int(2, 10_000),
  generations: field.int(1, 100_000),
  objectives: field.oneOf(OBJECTIVE_KINDS),
  proxies: field.texts(1),
  proxyBatch: field.int(2, 100_000),
  initChannels: field.int(4, 4096),
  seed: SEED,
  synflowScale: field.oneOf(SYNFLOW_SCALES),
  pick: field.oneOf(PICK_RULES),
  refine: field.nullable(field.object<RefineSettings>({ candidates: field.int(1, 10_000), epochs: field.int(1, 100_000), maxImages: field.nullable(field.int(2)) })),
};

/** Flag names a user may write as keys, and the field each sets. */
export const SEARCH_CONFIG_ALIASES = {
  algo: 'algorithm', pop: 'popSize', gens: 'generations', 'proxy-batch': 'proxyBatch', 'init-channels': 'initChannels', 'synflow-scale': 'synflowScale',
};

const SCHEDULES = ['cosine', 'exponential', 'constant'] as const satisfies readonly ScheduleKind[];

/** `mednas train --config`: TrainConfig's fields and `dataset` (checkTrainConfig checks the whole). */
export const TRAIN_CONFIG_SCHEMA: ConfigSchema<TrainConfig & { readonly dataset: string }> = {
  dataset: field.text(),
  preset: field.oneOf(PRESET_NAMES),
  epochs: field.int(1, 100_000),
  initChannels: field.int(4, 4096),
  batchSize: field.int(2, 65_536),
  lr: field.number(0, 1e6),
  schedule: field.oneOf(SCHEDULES),
  gamma: field.nullable(field.number(0, 1)),
  warmupEpochs: field.int(0, 100_000),
  momentum: field.number(0, 1),
  nesterov: field.boolean(),
  weightDecay: field.number(0),
  weightDecayOn: field.oneOf(WEIGHT_DECAY_ON),
  maxGradNorm: field.nullable(field.number(0)),
  augmix: field.nullable(field.object<AugMixOptions>({
    severity: field.number(0, 10), width: field.int(1, 100), depth: field.int(-1, 100), alpha: field.number(0), posterizeBits: field.oneOf(POSTERIZE_BITS),
  })),
  seed: SEED,
  maxImages: field.nullable(field.int(2)),
};

export const TRAIN_CONFIG_ALIASES = { batch: 'batchSize', 'init-channels': 'initChannels', 'max-images': 'maxImages' };
