// How `mednas search` shows a run: --json gives one JSON object per event on stdout; on a terminal a
// bar of the architectures scored in the generation in progress (drawn on the user's real terminal,
// see cli/terminal.ts) and one line per generation on stdout; otherwise the lines alone.
import { deadCells, lnSynflow, type ArchitectureProgress, type ArchitectureRecord, type GenerationProgress, type GenerationRecord } from '../src/index.ts';
import { LiveBar } from './terminal.ts';

/** NaN and infinities as null in JSON lines. */
export const jsonReplacer = (_k: string, v: unknown): unknown => (typeof v === 'number' && !Number.isFinite(v) ? null : v);

export function seconds(ms: number): string {
  const s = ms / 1000;
  if (s < 90) return `${s.toFixed(1)} s`;
  if (s < 5400) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** A value for a table: integers with separators, others with 4 significant digits. */
export function short(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return v.toLocaleString('en-US');
  const a = Math.abs(v);
  if (a >= 1e9 || (a !== 0 && a < 1e-3)) return v.toExponential(3);
  if (a >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
  return v.toPrecision(4);
}

/** A proxy's value as the CLI shows it: synflow as its ln (the column says "ln synflow"). */
export function shownValue(r: ArchitectureRecord, proxy: string): number {
  return proxy === 'synflow' ? lnSynflow(r) : r.values[proxy];
}

export function generationLine(r: GenerationRecord, generations: number, etaMs: number | null): string {
  // Each value is the population's best in that proxy alone (different architectures in general).
  const best = Object.entries(r.bestPerProxy).map(([p, v]) => `${p === 'synflow' ? 'ln synflow' : p} ${short(v)}`).join(', ');
  return (
    `generation ${r.generation}/${generations}: ${r.scored} scored, ${r.archiveHits} from the archive` +
    `${r.failures ? `, ${r.failures} failed` : ''}; front ${r.front.length}, hypervolume ${r.hypervolume.toFixed(4)}; ` +
    `best per proxy: ${best}; ${seconds(r.times.wallMs)}${etaMs !== null && r.generation < generations ? `, ETA ${seconds(etaMs)}` : ''}`
  );
}

export interface SearchReporter {
  onArchitecture(p: ArchitectureProgress): void;
  onGeneration(p: GenerationProgress): void;
  close(): void;
}

export function searchReporter(options: { json: boolean; popSize: number; generations: number }): SearchReporter {
  if (options.json) {
    return {
      onArchitecture: (p) => {
        // A dead network's values are its proxies' documented substitutes, not measurements: say so.
        const dead = deadCells(p.key.split(',').map(Number)).map((b) => b + 1);
        console.log(JSON.stringify({ event: 'architecture', ...p, dead: dead.length > 0, deadBlocks: dead }, jsonReplacer));
      },
      onGeneration: (p) => console.log(JSON.stringify({ event: 'generation', ...p.record, generations: p.generations, etaMs: p.etaMs, archiveSize: p.archiveSize }, jsonReplacer)),
      close: () => undefined,
    };
  }
  const bar = new LiveBar('generation {gen}/{gens} {bar} {value}/{total} architectures | last {ms} ms | ETA {eta_formatted}');
  return {
    onArchitecture: (p) => {
      if (p.failure) {
        bar.stop();
        console.log(`  architecture ${p.key} could not be scored (${p.failure}); it counts as the worst`);
      }
      bar.update(Math.min(p.scoredInGeneration, options.popSize), options.popSize, { gen: p.generation, gens: options.generations, ms: p.timeMs.toFixed(0) });
    },
    onGeneration: (p) => {
      bar.stop();
      console.log(generationLine(p.record, p.generations, p.etaMs));
    },
    close: () => bar.stop(),
  };
}
