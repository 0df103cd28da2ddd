// Model state files (msgpack, see src/nn/state.ts) on disk.
import { encodeState, loadState } from '../nn/state.ts';
import type { Module } from '../nn/module.ts';
import { readFileOrExplain, writeFileAtomic } from './files.ts';

export async function saveStateFile(module: Module, path: string): Promise<void> {
  await writeFileAtomic(path, await encodeState(module));
}

export async function loadStateFile(module: Module, path: string): Promise<void> {
  loadState(module, await readFileOrExplain(path, 'model file'), path);
}
