// The browser demo's search settings: the ones `mednas search` takes as flags, under the same names,
// read from the page's form or from its URL hash (`#autorun&pop=4&gens=2`), and turned into a
// SearchConfig exactly as the CLI does (the quick preset, then the flags), so that a search made in
// the page and `mednas search` with the same flags are the same search (same config, same proxy
// batch id; their checkpoints differ only in the adapter and the timings).
import { ALGORITHMS, checkSearchConfig, defaultProxies, PICK_RULES, searchPreset, type AlgorithmName, type PickRule, type SearchConfig } from '../search/config.ts';
import { SearchConfigError } from '../search/errors.ts';
import { OBJECTIVE_KINDS, SYNFLOW_SCALES, type ObjectiveKind, type SynflowScale } from '../search/objectives.ts';

export interface DemoSettings {
  readonly algorithm: AlgorithmName;
  readonly popSize: number;
  readonly generations: number;
  readonly objectives: ObjectiveKind;
  readonly proxies: readonly string[];
  readonly proxyBatch: number;
  readonly initChannels: number;
  readonly seed: number;
  readonly synflowScale: SynflowScale;
  readonly pick: PickRule;
}

/** `mednas search`'s defaults: the quick preset, seed 0. */
export function defaultDemoSettings(): DemoSettings {
  const p = searchPreset('quick', 'synthetic', 0);
  return {
    algorithm: p.algorithm, popSize: p.popSize, generations: p.generations, objectives: p.objectives, proxies: [...p.proxies],
    proxyBatch: p.proxyBatch, initChannels: p.initChannels, seed: p.seed, synflowScale: p.synflowScale, pick: p.pick,
  };
}

/** Each setting's name in the URL hash and the form: the `mednas search` flag without its dashes. */
export const DEMO_SETTING_KEYS: Readonly<Record<keyof DemoSettings, string>> = {
  algorithm: 'algo',
  popSize: 'pop',
  generations: 'gens',
  objectives: 'objectives',
  proxies: 'proxies',
  proxyBatch: 'proxy-batch',
  initChannels: 'init-channels',
  seed: 'seed',
  synflowScale: 'synflow-scale',
  pick: 'pick',
};

function integer(key: string, text: string, min: number, max: number): number {
  const v = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new SearchConfigError(`${key}: got '${text}'; allowed: a whole number in ${min}..${max}`);
  }
  return v;
}

function choice<T extends string>(key: string, text: string, choices: readonly T[]): T {
  if (!choices.includes(text as T)) throw new SearchConfigError(`${key}: got '${text}'; allowed: ${choices.join(', ')}`);
  return text as T;
}

/** One setting from its text (a form field's or a hash value). Throws SearchConfigError naming the key and what is allowed. */
export function parseDemoSetting<K extends keyof DemoSettings>(field: K, text: string): DemoSettings[K] {
  const key = DEMO_SETTING_KEYS[field];
  const parsed = ((): DemoSettings[keyof DemoSettings] => {
    switch (field) {
      case 'algorithm': return choice(key, text, ALGORITHMS);
      case 'popSize': return integer(key, text, 2, 10_000);
      case 'generations': return integer(key, text, 1, 100_000);
      case 'objectives': return choice(key, text, OBJECTIVE_KINDS);
      case 'proxies': {
        const list = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
        if (list.length === 0) throw new SearchConfigError(`${key}: got '${text}'; allowed: proxy names separated by commas, e.g. jacob_cov,synflow`);
        return list;
      }
      case 'proxyBatch': return integer(key, text, 2, 100_000);
      case 'initChannels': {
        const c = integer(key, text, 4, 4096);
        if (c % 4 !== 0) throw new SearchConfigError(`${key}: got ${c}; allowed: a multiple of 4 (each reduction cell splits C into 4 branches)`);
        return c;
      }
      case 'seed': return integer(key, text, 0, 2 ** 32 - 1);
      case 'synflowScale': return choice(key, text, SYNFLOW_SCALES);
      case 'pick': return choice(key, text, PICK_RULES);
      default: throw new SearchConfigError(`unknown setting ${String(field)}`);
    }
  })();
  return parsed as DemoSettings[K];
}

/** A setting as its text in the form and the hash. */
export function demoSettingText(settings: DemoSettings, field: keyof DemoSettings): string {
  const v = settings[field];
  return Array.isArray(v) ? v.join(',') : String(v);
}

export interface DemoHash {
  /** `autorun` is in the hash: start a search when the page has loaded. */
  readonly autorun: boolean;
  /** The settings the hash names (the rest keep the form's values). */
  readonly settings: Partial<DemoSettings>;
}

/**
 * Reads a URL hash such as `#autorun&pop=4&gens=2&init-channels=4&proxy-batch=4`: `&`-separated
 * entries, `autorun` alone, the settings as `name=value` under their `mednas search` flag names.
 * An unknown name or a bad value throws SearchConfigError saying which and what is allowed.
 */
export function parseDemoHash(hash: string): DemoHash {
  const fields = Object.fromEntries(Object.entries(DEMO_SETTING_KEYS).map(([f, k]) => [k, f as keyof DemoSettings]));
  let autorun = false;
  const settings: Record<string, unknown> = {};
  for (const entry of hash.replace(/^#/, '').split('&')) {
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    const key = decodeURIComponent(eq < 0 ? entry : entry.slice(0, eq));
    const value = eq < 0 ? null : decodeURIComponent(entry.slice(eq + 1));
    if (key === 'autorun' && value === null) {
      autorun = true;
      continue;
    }
    const field = fields[key];
    if (field === undefined) {
      throw new SearchConfigError(`the page's address names '${key}', which is not a setting; known: autorun, ${Object.values(DEMO_SETTING_KEYS).join(', ')}`);
    }
    if (value === null) throw new SearchConfigError(`the page's address names ${key} without a value: write ${key}=VALUE`);
    settings[field] = parseDemoSetting(field, value);
  }
  // Objectives without proxies: those `mednas search --objectives K` takes (eq. 1's pair for paper).
  if (settings.objectives !== undefined && settings.proxies === undefined) settings.proxies = defaultProxies(settings.objectives as ObjectiveKind, searchPreset('quick', 'synthetic'));
  return { autorun, settings: settings as Partial<DemoSettings> };
}

/** The search's config for `dataset`, made as `mednas search` makes it: the quick preset, then the settings. */
export function demoSearchConfig(settings: DemoSettings, dataset: string): SearchConfig {
  const config: SearchConfig = {
    ...searchPreset('quick', dataset, settings.seed),
    algorithm: settings.algorithm,
    popSize: settings.popSize,
    generations: settings.generations,
    objectives: settings.objectives,
    proxies: [...settings.proxies],
    proxyBatch: settings.proxyBatch,
    initChannels: settings.initChannels,
    synflowScale: settings.synflowScale,
    pick: settings.pick,
    preset: 'quick',
    refine: null,
  };
  checkSearchConfig(config);
  return config;
}

/** The `mednas search` command line that runs the same search (for the page to show). */
export function demoSearchCommand(config: SearchConfig, datasetArg: string): string {
  const d = defaultDemoSettings();
  const flags: string[] = [];
  if (datasetArg !== 'synthetic') flags.push(`--dataset ${/[^\w./-]/.test(datasetArg) ? `'${datasetArg.replace(/'/g, "'\\''")}'` : datasetArg}`);
  const add = (flag: string, v: string, dv: string) => v !== dv && flags.push(`--${flag} ${v}`);
  add('algo', config.algorithm, d.algorithm);
  add('pop', String(config.popSize), String(d.popSize));
  add('gens', String(config.generations), String(d.generations));
  add('objectives', config.objectives, d.objectives);
  add('proxies', config.proxies.join(','), d.proxies.join(','));
  add('proxy-batch', String(config.proxyBatch), String(d.proxyBatch));
  add('init-channels', String(config.initChannels), String(d.initChannels));
  add('seed', String(config.seed), String(d.seed));
  add('synflow-scale', config.synflowScale, d.synflowScale);
  add('pick', config.pick, d.pick);
  return ['mednas search', ...flags].join(' ');
}
