// --backend and --adapter, shared by every command that opens the GPU.
import type { Command } from 'cac';
import type { NodeInitOptions } from '../src/node/index.ts';
import { optional, stringValue } from './options.ts';

export function addGpuOptions(command: Command): Command {
  return command
    .option('--backend <name>', 'Dawn backend (vulkan, metal, d3d12, ...); default: MEDNAS_BACKEND or automatic')
    .option('--adapter <name>', 'Adapter name to use; default: MEDNAS_ADAPTER or the first one');
}

export function gpuInitOptions(options: { backend?: unknown; adapter?: unknown }): NodeInitOptions {
  return {
    backend: optional(options.backend, (v) => stringValue(v, '--backend')),
    adapter: optional(options.adapter, (v) => stringValue(v, '--adapter')),
  };
}
