// Redis as the queue needs it. The URL goes to BullMQ (ioredis) as it is: a password in it
// (redis://:secret@host:6379, or user:secret@ for an ACL user), a database number as its path, and
// rediss:// for TLS (certificates checked as Node checks them). Messages show the URL with the
// password replaced by ***. BullMQ's guarantees need AOF persistence (a restart keeps the jobs
// and results) and maxmemory-policy noeviction (Redis never drops a job to make room): the server's
// settings are read once and what falls short is said as a warning.
import type { ConnectionOptions } from 'bullmq';
import { RedisUrlError } from './errors.ts';

/** The URL with its password (if any) shown as ***. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
  }
}

/** BullMQ's connection options for a redis:// or rediss:// URL, checked (RedisUrlError saying what is wrong). */
export function redisConnection(url: string): ConnectionOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RedisUrlError(`'${redactRedisUrl(url)}' is not a Redis URL: give redis://HOST:PORT (rediss:// for TLS, redis://:PASSWORD@HOST:PORT with a password)`);
  }
  const scheme = u.protocol.toLowerCase();
  if (scheme !== 'redis:' && scheme !== 'rediss:') {
    throw new RedisUrlError(`'${redactRedisUrl(url)}' is not a Redis URL (it starts with ${u.protocol}//): give redis://HOST:PORT, or rediss://HOST:PORT for TLS`);
  }
  if (!u.hostname) throw new RedisUrlError(`'${redactRedisUrl(url)}' names no host: give redis://HOST:PORT`);
  if (u.pathname && u.pathname !== '/' && !/^\/\d+$/.test(u.pathname)) {
    throw new RedisUrlError(`'${redactRedisUrl(url)}': the path must be a database number (redis://HOST:PORT/0), got ${u.pathname}`);
  }
  // ioredis turns TLS on for a URL that starts with "rediss://" exactly: give it the scheme in lower case.
  return { url: `${scheme}${url.slice(url.indexOf(':') + 1)}` };
}

/** The warnings for a connected server (a managed Redis may refuse INFO: that is said instead). */
export async function readServerWarnings(client: { info(): Promise<string> }): Promise<string[]> {
  try {
    return redisServerWarnings(await client.info());
  } catch (e) {
    return [`could not read the Redis server's settings (INFO: ${(e as Error).message}): make sure it persists with AOF and its maxmemory-policy is noeviction`];
  }
}

/** What the server's INFO says about durability: warnings for what falls short (empty when all is well). */
export function redisServerWarnings(info: string): string[] {
  const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim() ?? null;
  const out: string[] = [];
  const policy = field('maxmemory_policy');
  if (policy !== null && policy !== 'noeviction') {
    out.push(`Redis's maxmemory-policy is ${policy}: when memory runs short it may drop queued jobs and results. Set it to noeviction (redis-cli CONFIG SET maxmemory-policy noeviction, and in redis.conf)`);
  }
  const aof = field('aof_enabled');
  if (aof === '0') {
    out.push('Redis runs without AOF persistence: a restart of Redis loses the queue (finished results not yet in the coordinator\'s file are then computed again). Turn it on (redis-cli CONFIG SET appendonly yes, and appendonly yes in redis.conf)');
  }
  return out;
}
