/// <reference types="@webgpu/types" preserve="true" />
// The public API of the core library. It imports no Node modules: it runs wherever a GPUDevice does.
export * from './gpu/index.ts';
export * from './tensor/index.ts';
export * as ops from './ops/index.ts';
export * from './ops/index.ts';
export { Rng, type RngState } from './util/rng.ts';
export { selfCheck, type SelfCheckResult } from './selfcheck.ts';
export * from './data/index.ts';
export * from './moo/index.ts';
export * from './nn/index.ts';
export * from './space/index.ts';
export * from './train/index.ts';
export { decodeEnvelope, encodeEnvelope, isEnvelope, type DecodeEnvelopeOptions, type DecodedEnvelope, type PayloadEncoding } from './util/envelope.ts';
export { FieldChecker, describeValue } from './util/fields.ts';
export { FileFormatError } from './util/file-format-error.ts';
export { crc32 } from './util/crc32.ts';
export { MEDNAS_VERSION } from './version.ts';
export * from './proxies/index.ts';
export * from './profile/index.ts';
export * from './search/index.ts';
export * from './report/index.ts';
export * from './stats/index.ts';
export * from './truth/index.ts';
export * from './reproduce/index.ts';
export * from './export/index.ts';
