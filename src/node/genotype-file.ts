// A genotype as a user gives it on the command line: `paper`, `2,0,4,...`, a JSON array, or the path
// of a file holding any of the forms parseGenotype reads (a list, JSON, a search summary with a
// `genotype` field, the readable text form).
import { stat } from 'node:fs/promises';
import { GenotypeError } from '../space/errors.ts';
import { parseGenotype } from '../space/text.ts';
import type { GenotypeOptions } from '../space/genotype.ts';
import { readFileOrExplain } from './files.ts';

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Parses `arg` as a genotype, or reads the file it names; errors name the file when there is one. */
export async function readGenotypeArgument(arg: string, options: GenotypeOptions = {}): Promise<number[]> {
  if (arg.trim().toLowerCase() !== 'paper' && (await isFile(arg))) {
    const text = new TextDecoder().decode(await readFileOrExplain(arg, 'genotype file'));
    try {
      return parseGenotype(text, options);
    } catch (e) {
      if (e instanceof GenotypeError) throw new GenotypeError(`${arg}: ${e.message}`, e.gene);
      throw e;
    }
  }
  try {
    return parseGenotype(arg, options);
  } catch (e) {
    // Something that reads like a path, not like genes: say that the file is missing.
    if (e instanceof GenotypeError && /[/\\]|\.(json|txt|genotype)$/i.test(arg) && !/^[\s\d,[\]]+$/.test(arg)) {
      throw new GenotypeError(`genotype file ${arg} does not exist: check the path, or give the genes (e.g. 2,0,4,...) or \`paper\``);
    }
    throw e;
  }
}
