// Model state files (see src/nn/state.ts) on disk.
import { encodeState, loadState, type StateLoadInfo } from '../nn/state.ts';
import type { Module } from '../nn/module.ts';
import { readFileOrExplain, writeFileAtomic } from './files.ts';

export async function saveStateFile(module: Module, path: string): Promise<void> {
  await writeFileAtomic(path, await encodeState(module));
}

/** Loads a state file into `module`; the result says whether the file carried a checksum. */
export async function loadStateFile(module: Module, path: string): Promise<StateLoadInfo> {
  return loadState(module, await readFileOrExplain(path, 'model state file'), path);
}
