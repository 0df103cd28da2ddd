// The queue's plain parts, without Redis or a GPU: job ids, payload checks, the wire form of
// numbers JSON cannot hold, errors across the wire, Redis URLs and the server settings check.
import { createServer } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { syntheticDataset } from '../../src/data/synthetic.ts';
import { GpuLimitError, GpuOutOfMemoryError } from '../../src/gpu/errors.ts';
import { ProxyInputError } from '../../src/proxies/errors.ts';
import {
  datasetRef, errorFromWire, errorToWire, fromWire, JOB_FORMAT, JOB_VERSION, JobRejectedError, jobId, parseJob, parseJobResult,
  QueueCoordinator, QueueJobError, redactRedisUrl, RedisUnreachableError, redisConnection, RedisUrlError, redisServerWarnings, toWire, type ReproduceJob, type ScoreJob,
} from '../../src/node/index.ts';
import { mstfArchitecture, RESNET18 } from '../../src/train/architecture.ts';
import { presetConfig } from '../../src/train/config.ts';
import { MEDNAS_VERSION } from '../../src/version.ts';

const GENOTYPE = '1,0,6,1,3,1,7,2,1,4,1,0,1,1,2,0,4,0,7,0,6,3,1,1,3,1,4,2,2,0,7,1,7,1,7,0,3,4,2,2,1,4'.split(',').map(Number);
const ref = datasetRef(syntheticDataset({ sizePx: 28 }), undefined);
const job: ScoreJob = {
  format: JOB_FORMAT, version: JOB_VERSION, mednasVersion: MEDNAS_VERSION, kind: 'score', dataset: ref, genotype: GENOTYPE,
  batch: { size: 16, seed: 0, id: 'synthetic/n16/s0/x' }, proxies: ['jacob_cov', 'flops'], initChannels: 8, seed: 0,
};

test('job ids: a hash of the whole payload, the same for the same work in any key order, another for another seed', () => {
  const id = jobId(job);
  assert.match(id, /^score-[0-9a-f]{40}$/);
  const reordered = Object.fromEntries(Object.entries(job).reverse()) as unknown as ScoreJob;
  assert.is(jobId(reordered), id);
  assert.is.not(jobId({ ...job, seed: 1 }), id);
  assert.is.not(jobId({ ...job, genotype: [...GENOTYPE.slice(0, -1), 3] }), id);
  assert.is.not(jobId({ ...job, mednasVersion: '9.9.9' }), id);
  assert.is.not(jobId({ ...job, dataset: { ...ref, crc32: ref.crc32 ^ 1 } }), id);
});

test('parseJob takes a good payload of each kind and refuses bad ones, naming the field', () => {
  assert.equal(parseJob(JSON.parse(JSON.stringify(job))), job);
  const config = { ...presetConfig('synthetic', 'quick'), epochs: 1, seed: 2 };
  const train = { format: JOB_FORMAT, version: JOB_VERSION, mednasVersion: MEDNAS_VERSION, kind: 'train', dataset: ref, genotype: GENOTYPE, subset: { trainImages: null, sampleSeed: 0 }, config };
  assert.equal(parseJob(JSON.parse(JSON.stringify(train))), train);
  const bad: Array<[unknown, RegExp]> = [
    [null, /the payload is null, expected a map/],
    [{ ...job, version: 2 }, /version is the number 2, expected 1/],
    [{ ...job, initChannels: 6 }, /initChannels is the number 6, expected a multiple of 4/],
    [{ ...job, seed: -1 }, /seed is the number -1/],
    [{ ...job, dataset: { ...ref, file: 'a/b.npz', source: 'file' } }, /without a path/],
    [{ ...job, dataset: { ...ref, file: 'x.npz' } }, /dataset\.file .*null for the synthetic set/],
    [{ ...train, config: { ...config, epochs: 0 } }, /config\.epochs is the number 0/],
    [{ ...train, config: { ...config, lr: 'fast' } }, /config\.lr is the string "fast"/],
  ];
  for (const [payload, reason] of bad) {
    try {
      parseJob(payload);
      assert.unreachable(JSON.stringify(payload));
    } catch (e) {
      assert.instance(e, JobRejectedError);
      assert.is((e as Error).name, 'UnrecoverableError', 'BullMQ fails it without retries');
      assert.match((e as Error).message, reason);
    }
  }
});

test('reproduce jobs: any architecture (ResNet-18 has no genotype), a subset, the recipe; score jobs may name a subset', () => {
  const config = { ...presetConfig('synthetic', 'quick'), initChannels: 4, epochs: 1, seed: 1 };
  const header = { format: JOB_FORMAT, version: JOB_VERSION, mednasVersion: MEDNAS_VERSION, dataset: ref } as const;
  const resnet: ReproduceJob = { ...header, kind: 'reproduce', architecture: RESNET18, subset: { trainImages: 64, sampleSeed: 0 }, config };
  const mstf: ReproduceJob = { ...resnet, architecture: mstfArchitecture(GENOTYPE) };
  for (const j of [resnet, mstf]) assert.equal(parseJob(JSON.parse(JSON.stringify(j))), JSON.parse(JSON.stringify(j)));
  assert.match(jobId(resnet), /^reproduce-[0-9a-f]{40}$/);
  assert.is.not(jobId(mstf), jobId(resnet));
  assert.is.not(jobId({ ...resnet, config: { ...config, seed: 2 } }), jobId(resnet));
  // A subset on a score job is part of its identity; a score job without one is the whole split's, as before.
  const onSubset: ScoreJob = { ...job, subset: { trainImages: 64, sampleSeed: 0 } };
  assert.equal(parseJob(JSON.parse(JSON.stringify(onSubset))), onSubset);
  assert.is.not(jobId(onSubset), jobId(job));
  const bad: Array<[unknown, RegExp]> = [
    [{ ...resnet, architecture: { kind: 'vgg16' } }, /architecture\.kind is the string "vgg16", expected one of mstf, resnet18/],
    [{ ...mstf, architecture: { kind: 'mstf', genotype: [1, 2, 3] } }, /genotype that is not in the search space/],
    [{ ...resnet, genotype: GENOTYPE }, /unknown "genotype"/],
    [{ ...resnet, subset: undefined }, /no 'subset'/],
    [{ ...resnet, config: { ...config, initChannels: 6 } }, /initChannels must be a positive multiple of 4, got 6/],
    [{ ...job, subset: { trainImages: 1, sampleSeed: 0 } }, /subset\.trainImages is the number 1/],
  ];
  for (const [payload, reason] of bad) {
    try {
      parseJob(JSON.parse(JSON.stringify(payload)));
      assert.unreachable(JSON.stringify(payload));
    } catch (e) {
      assert.instance(e, JobRejectedError);
      assert.match((e as Error).message, reason);
    }
  }
  const result = { kind: 'reproduce', result: { bestEpoch: 0, val: { acc: 0.5, auc: 0.6 }, test: { acc: 0.4, auc: { $number: 'NaN' } }, failure: null, seconds: 2, adapter: 'llvmpipe', mednasVersion: MEDNAS_VERSION } };
  const r = parseJobResult(resnet, 'reproduce-x', result);
  assert.ok(r.kind === 'reproduce' && r.result.test !== null && Number.isNaN(r.result.test.auc));
  try {
    parseJobResult(resnet, 'reproduce-x', { ...result, result: { ...result.result, bestEpoch: 'first' } });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, QueueJobError);
    assert.match((e as Error).message, /job reproduce-x \(train ResNet-18 for a reproduction on synthetic with seed 1\) came back malformed .*result\.bestEpoch/);
  }
});

test('numbers JSON cannot hold cross the wire exactly; so do errors, of their class', () => {
  const value = { a: NaN, b: [Infinity, -Infinity, -0, 0, 1.5e-310, 0.1 + 0.2], c: { d: null, e: 'NaN' } };
  const back = fromWire(JSON.parse(JSON.stringify(toWire(value)))) as typeof value;
  assert.ok(Number.isNaN(back.a));
  assert.equal(back.b.slice(0, 2), [Infinity, -Infinity]);
  assert.ok(Object.is(back.b[2], -0) && Object.is(back.b[3], 0));
  assert.is(back.b[4], 1.5e-310);
  assert.is(back.b[5], 0.1 + 0.2);
  assert.equal(back.c, { d: null, e: 'NaN' });
  for (const e of [new GpuLimitError('A tensor of 9 bytes exceeds 8.', 'Use less.'), new GpuOutOfMemoryError('conv', 'no memory'), new ProxyInputError('too few images')]) {
    const r = errorFromWire(JSON.parse(JSON.stringify(errorToWire(e))));
    assert.instance(r, e.constructor as new () => Error);
    assert.is(r.name, e.name);
    assert.is(r.message, e.message);
    if (e instanceof GpuLimitError) assert.is((r as GpuLimitError).detail, e.detail);
  }
  const plain = errorFromWire(errorToWire(new TypeError('odd')));
  assert.is(`${plain.name}: ${plain.message}`, 'TypeError: odd');
});

test('results from a worker are checked: a malformed one names the job and the field', () => {
  const ok = { kind: 'score', ok: true, ms: 3, adapter: 'llvmpipe', values: { jacob_cov: { $number: 'NaN' }, flops: 7 }, logValues: {}, reasons: { jacob_cov: 'constant row' }, timesMs: { flops: 0.1 } };
  const r = parseJobResult(job, 'score-x', ok);
  assert.ok(r.kind === 'score' && r.ok && Number.isNaN(r.values.jacob_cov));
  try {
    parseJobResult(job, 'score-x', { ...ok, values: { flops: 'seven' } });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, QueueJobError);
    assert.match((e as Error).message, /job score-x \(score 1,0,6,1,3,1,7,2,1,4,1,0,\.\.\. on synthetic .*values\.flops is the string "seven"/);
  }
});

test('Redis URLs: passwords never shown; rediss:// kept for TLS; other schemes, paths and hosts refused', () => {
  assert.is(redactRedisUrl('redis://:s3cret@host:6379/2'), 'redis://:***@host:6379/2');
  assert.is(redactRedisUrl('rediss://user:s3cret@host:6380'), 'rediss://user:***@host:6380');
  assert.equal(redisConnection('REDISS://:pw@host:6380/1'), { url: 'rediss://:pw@host:6380/1' });
  assert.equal(redisConnection('redis://127.0.0.1:6379'), { url: 'redis://127.0.0.1:6379' });
  for (const [url, reason] of [['http://host:6379', /starts with http:/], ['redis://host:6379/queue', /database number/], ['localhost:6379', /not a Redis URL/], ['not a url', /not a Redis URL/]] as const) {
    try {
      redisConnection(url);
      assert.unreachable(url);
    } catch (e) {
      assert.instance(e, RedisUrlError);
      assert.match((e as Error).message, reason);
    }
  }
  try {
    redisConnection('ftp://:topsecret@host');
  } catch (e) {
    assert.not.match((e as Error).message, /topsecret/);
  }
});

test('server settings: a warning for an evicting policy and for AOF off, none for noeviction with AOF', () => {
  assert.equal(redisServerWarnings('# Memory\r\nmaxmemory_policy:noeviction\r\n# Persistence\r\naof_enabled:1\r\n'), []);
  const w = redisServerWarnings('maxmemory_policy:allkeys-lru\r\naof_enabled:0\r\n');
  assert.is(w.length, 2);
  assert.match(w[0], /allkeys-lru.*noeviction/);
  assert.match(w[1], /without AOF/);
});

test('a coordinator whose Redis is not there stops, saying where it looked (never the password)', async () => {
  const server = createServer();
  const port = await new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as { port: number }).port)));
  await new Promise((r) => server.close(r)); // a port where nothing listens
  const started = Date.now();
  try {
    await QueueCoordinator.connect({ url: `redis://:hunter2@127.0.0.1:${port}`, unreachableMs: 1500 });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, RedisUnreachableError);
    assert.match((e as Error).message, new RegExp(`Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port} does not answer \\(.*ECONNREFUSED.*\\): start redis-server there`));
    assert.not.match((e as Error).message, /hunter2/);
  }
  assert.ok(Date.now() - started < 10_000);
});

test.run();
