// SVG of the architecture picture: the DOT graph of picture.ts laid out by Graphviz's dot, compiled
// to WebAssembly (@viz-js/viz, no native code, no file system: it runs in Node, Deno and browsers).
// Loaded on first use, so importing mednas does not pay for the 1.2 MB module.
import type { GenotypeInput } from './genotype.ts';
import { genotypeToDot, type PictureOptions } from './picture.ts';

interface Viz {
  renderString(dot: string, options: { format: 'svg'; engine?: string }): string;
}

let viz: Promise<Viz> | null = null;

/** DOT source laid out by Graphviz and rendered to SVG text. */
export async function dotToSvg(dot: string): Promise<string> {
  viz ??= import('@viz-js/viz').then((m) => m.instance());
  return (await viz).renderString(dot, { format: 'svg', engine: 'dot' });
}

/** The architecture's picture as SVG text (see genotypeToDot for what it shows). */
export async function genotypeToSvg(genotype: GenotypeInput, options: PictureOptions = {}): Promise<string> {
  return dotToSvg(genotypeToDot(genotype, options));
}
