// Ctrl-C (SIGINT) during a long command (search, train, truth build, reproduce run): what is saved
// and the exact command that continues it, then the run's lock released and exit 130 (128 +
// SIGINT, what a shell expects). Every file these commands write is written atomically after each
// generation, epoch or unit, so an interrupt loses at most the one in progress.
import { resolve } from 'node:path';
import { redactRedisUrl } from '../src/node/index.ts';
import { datasetArgs, datasetFlag, type DatasetFlags } from './dataset-options.ts';
import { shellQuote, stringValue } from './options.ts';
import { redisValue } from './queue-options.ts';

/**
 * Says `say()` once on stderr at the first SIGINT (a terminal's Ctrl-C may arrive twice: the CLI's
 * parent process forwards it too), releases the lock and exits with 130. Returns the remover.
 */
export function onInterrupt(say: () => string, unlock: () => Promise<void>): () => void {
  let said = false;
  const handler = () => {
    if (said) return;
    said = true;
    console.error(`\nmednas: interrupted. ${say()}`);
    void unlock().finally(() => process.exit(130));
  };
  process.on('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}

/** The flags a continued run needs again to find its data and device, and its queue. */
export interface ContinueFlags extends DatasetFlags {
  dataDir?: unknown;
  backend?: unknown;
  adapter?: unknown;
  redis?: unknown;
}

/**
 * The command line that continues a run: `command` (e.g. 'mednas train --out DIR --resume'), then
 * what finds its data again (your own data's path: only registered datasets are found by name),
 * --data-dir, the GPU flags, and --redis (its password shown as ***, with a word to put it back).
 */
export function continueCommand(command: string, flags: ContinueFlags, datasetName: string): string {
  const parts = [command];
  const given = datasetFlag(flags);
  if (given?.path) parts.push(datasetArgs(given, datasetName, flags));
  if (flags.dataDir !== undefined) parts.push('--data-dir', shellQuote(resolve(stringValue(flags.dataDir, '--data-dir'))));
  if (flags.backend !== undefined) parts.push('--backend', shellQuote(stringValue(flags.backend, '--backend')));
  if (flags.adapter !== undefined) parts.push('--adapter', shellQuote(stringValue(flags.adapter, '--adapter')));
  if (flags.redis === undefined) return parts.join(' ');
  const url = redisValue(flags.redis);
  const shown = redactRedisUrl(url);
  parts.push('--redis', shellQuote(shown));
  return parts.join(' ') + (shown === url ? '' : '\n  (with the Redis password in place of ***)');
}
