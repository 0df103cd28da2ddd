// A cache of bind groups. Creating one costs ~30 us through Dawn's Node bindings (half of recording
// a small op), and a training or scoring loop records the same dispatches on the same pooled
// buffers, at the same uniform-arena offsets, step after step: so most can be reused. Keys name the
// pipeline, the uniform slot and every buffer range. Buffers get ids on first sight; the cache is
// dropped whole when it grows past its cap or when buffers are destroyed (pool trim), since a bind
// group that names a destroyed buffer is invalid.

const MAX_ENTRIES = 8192;

export interface CachedBinding {
  buffer: GPUBuffer;
  offset?: number;
  size?: number;
}

export class BindGroupCache {
  private readonly groups = new Map<string, GPUBindGroup>();
  private readonly bufferIds = new WeakMap<GPUBuffer, number>();
  private readonly pipelineIds = new WeakMap<GPUComputePipeline, number>();
  private nextId = 1;
  /** Statistics for tests: lookups answered from the cache, and groups created. */
  readonly stats = { hits: 0, created: 0 };

  constructor(private readonly device: GPUDevice) {}

  get(
    pipeline: GPUComputePipeline,
    layout: GPUBindGroupLayout,
    uniform: CachedBinding | null,
    storage: readonly CachedBinding[],
    label: string,
  ): GPUBindGroup {
    let key = `${this.id(this.pipelineIds, pipeline)}`;
    if (uniform) key += `|u${uniform.offset ?? 0}:${uniform.size ?? -1}`;
    for (const b of storage) key += `|${this.id(this.bufferIds, b.buffer)}:${b.offset ?? 0}:${b.size ?? -1}`;
    const cached = this.groups.get(key);
    if (cached) {
      this.stats.hits++;
      return cached;
    }
    const entries: GPUBindGroupEntry[] = [];
    if (uniform) entries.push({ binding: 0, resource: uniform });
    storage.forEach((b, i) => entries.push({ binding: i + 1, resource: b }));
    const group = this.device.createBindGroup({ layout, entries, label });
    if (this.groups.size >= MAX_ENTRIES) this.groups.clear();
    this.groups.set(key, group);
    this.stats.created++;
    return group;
  }

  /** Forget every bind group (call when buffers they may name are destroyed). */
  clear(): void {
    this.groups.clear();
  }

  private id<T extends object>(ids: WeakMap<T, number>, o: T): number {
    let id = ids.get(o);
    if (id === undefined) ids.set(o, (id = this.nextId++));
    return id;
  }
}
