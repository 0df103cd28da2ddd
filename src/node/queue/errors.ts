// Typed errors of the queue: each says what happened and what to do.
import { GpuDeviceLostError, GpuError, GpuLimitError, GpuOutOfMemoryError, GpuValidationError } from '../../gpu/errors.ts';
import { ProxyError, ProxyInputError, UnknownProxyError } from '../../proxies/errors.ts';
import { NonFiniteLossError, TrainError } from '../../train/errors.ts';

/** Base class: anything the queue throws on purpose. */
export class QueueError extends Error {
  override name = 'QueueError';
}

/**
 * A job a worker refuses: its payload is malformed, or it needs what this worker lacks (a dataset
 * file, another mednas version). BullMQ fails a job whose error is named 'UnrecoverableError' at
 * once, without the retries a passing fault gets: this error carries that name.
 */
export class JobRejectedError extends QueueError {
  override name = 'UnrecoverableError';
}

/** A bad Redis URL (the message says which part), with the password never shown. */
export class RedisUrlError extends QueueError {
  override name = 'RedisUrlError';
}

/** Redis did not answer for longer than the coordinator waits. */
export class RedisUnreachableError extends QueueError {
  override name = 'RedisUnreachableError';
}

/** A job failed on the workers for good (its reason from the worker), or came back malformed. */
export class QueueJobError extends QueueError {
  override name = 'QueueJobError';
  constructor(
    readonly jobId: string,
    message: string,
  ) {
    super(message);
  }
}

/** An error as it travels from a worker: its class name, message and plain fields. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly fields: Readonly<Record<string, string | number | boolean | null>>;
}

/** The error a job threw, as plain data (the class's own plain fields kept: a GpuLimitError's detail). */
export function errorToWire(e: unknown): WireError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e), fields: {} };
  const fields: Record<string, string | number | boolean | null> = {};
  for (const [k, v] of Object.entries(e)) {
    if (k === 'name' || k === 'message' || k === 'stack') continue;
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') fields[k] = v;
  }
  return { name: e.name, message: e.message, fields };
}

/** Classes whose instances the search and refinement tell apart (fatal, resource, NaN loss). */
const KNOWN: Readonly<Record<string, { prototype: Error }>> = {
  GpuError, GpuValidationError, GpuOutOfMemoryError, GpuDeviceLostError, GpuLimitError,
  ProxyError, ProxyInputError, UnknownProxyError, TrainError, NonFiniteLossError,
};

/**
 * The error again, of its class where the core knows it (so `instanceof` and the fields the search
 * formats failures from work as for an error thrown here), else an Error with its name.
 */
export function errorFromWire(w: WireError): Error {
  const known = KNOWN[w.name];
  const e: Error = known ? Object.create(known.prototype) : new Error(w.message);
  Object.defineProperty(e, 'message', { value: w.message, writable: true, configurable: true, enumerable: false });
  Object.assign(e, w.fields, { name: w.name });
  Object.defineProperty(e, 'stack', { value: `${w.name}: ${w.message}\n    at a queue worker`, writable: true, configurable: true, enumerable: false });
  return e;
}
