// Verified, atomic, resumable downloads over node:http/https, through the proxy that
// HTTPS_PROXY / HTTP_PROXY name unless NO_PROXY lists the host (proxy.ts).
// The bytes go to '<dest>.part'; only a file whose MD5 matches is renamed to '<dest>', so the real
// name never holds a half or wrong file. A dropped connection resumes with an HTTP Range request
// (and restarts from zero if the server ignores Range); a resumed file that then fails its MD5 is
// downloaded once more from scratch, in case the old part came from a different file.
import { createWriteStream } from 'node:fs';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type Socket } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { connect as tlsConnect } from 'node:tls';
import { ChecksumError, DownloadError } from '../../data/errors.ts';
import { getMedMnistInfo, medMnistFileName, medMnistMd5, medMnistUrl, releaseByMd5 } from '../../data/registry.ts';
import { resolveDataDir, type DataDirOptions } from './dirs.ts';
import { md5OfFile } from './md5.ts';
import { lockDownload } from './lock.ts';
import { proxyAddress, proxyAuthorization, proxyFor, type ProxyChoice, type ProxyEnv } from './proxy.ts';

export interface DownloadProgress {
  readonly receivedBytes: number;
  /** null when the server sends no length. */
  readonly totalBytes: number | null;
  /** Bytes already on disk from an earlier, interrupted attempt. */
  readonly resumedFromBytes: number;
}

export interface DownloadOptions {
  /** Lower-case hex MD5 the finished file must have. */
  readonly expectedMd5?: string;
  readonly onProgress?: (progress: DownloadProgress) => void;
  /** Automatic resumes after a dropped connection (default 3). */
  readonly retries?: number;
  /** Give up on a connection that sends nothing for this long (default 30 s). */
  readonly idleTimeoutMs?: number;
  readonly maxRedirects?: number;
  /** Pause before automatic resume n (n x this, default 1000 ms). */
  readonly retryDelayMs?: number;
  readonly signal?: AbortSignal;
  /**
   * Where HTTPS_PROXY / HTTP_PROXY / NO_PROXY (and their lower-case forms) are read (default
   * process.env); see proxy.ts for how they are matched.
   */
  readonly env?: ProxyEnv;
}

export interface DownloadResult {
  readonly path: string;
  readonly bytes: number;
  readonly md5: string;
  /** How many times an interrupted transfer was resumed (0 for a clean run). */
  readonly resumes: number;
}

/** A transfer that stopped before the end: worth resuming. */
class Interrupted extends Error {}

/** A resume that the server answered from the wrong offset: the part is gone, start over once. */
class WrongOffset extends Error {}

/** The error for a request that failed before any response: what to do differs by cause. */
function requestError(err: NodeJS.ErrnoException, url: string, proxy: ProxyChoice | null): Error {
  if (err instanceof DownloadError || err instanceof Interrupted) return err;
  // Nobody listening or no such host: retrying in a second will not help.
  if (err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND') {
    if (proxy) return new DownloadError(url, `could not connect to the proxy ${proxyAddress(proxy.url)} (${err.code}; from ${proxy.variable})`, `Check ${proxy.variable}, or list the host in NO_PROXY to connect directly.`);
    return new DownloadError(url, `could not connect (${err.code})`);
  }
  // A certificate that does not verify will not verify in a second either.
  if (err.code !== undefined && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/.test(err.code)) {
    return new DownloadError(
      url,
      `the server's TLS certificate is not trusted (${err.code})`,
      'If a proxy or firewall re-signs TLS traffic, point NODE_EXTRA_CA_CERTS at its CA certificate (a PEM file) and run the same command again.',
    );
  }
  return new Interrupted(err.message);
}

const portOf = (u: URL) => Number(u.port || (u.protocol === 'https:' ? 443 : 80));

/**
 * A TCP connection to `target` through `proxy` (HTTP CONNECT, over TLS to an https:// proxy),
 * ready for the TLS handshake with the target.
 */
function tunnel(target: URL, proxy: ProxyChoice, options: DownloadOptions): Promise<Socket> {
  return new Promise((resolvePromise, reject) => {
    const authority = `${target.hostname}:${portOf(target)}`;
    const req = (proxy.url.protocol === 'https:' ? https : http).request({
      host: proxy.url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: portOf(proxy.url),
      method: 'CONNECT',
      path: authority,
      headers: { host: authority, ...proxyAuthorization(proxy.url) },
      agent: false,
      signal: options.signal,
    });
    req.setTimeout(options.idleTimeoutMs ?? 30_000, () => req.destroy(new Interrupted(`the proxy ${proxyAddress(proxy.url)} did not answer for ${(options.idleTimeoutMs ?? 30_000) / 1000} s`)));
    req.on('connect', (res: IncomingMessage, socket: Socket, head: Buffer) => {
      req.setTimeout(0);
      const status = res.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        socket.destroy();
        const advice = status === 407
          ? `The proxy wants credentials: put them in ${proxy.variable} (http://user:password@host:port).`
          : `Check ${proxy.variable}, or list the host in NO_PROXY to connect directly.`;
        reject(new DownloadError(target.href, `the proxy ${proxyAddress(proxy.url)} (from ${proxy.variable}) refused the tunnel to ${authority}: HTTP ${status} ${res.statusMessage ?? ''}`.trim(), advice));
        return;
      }
      if (head.length > 0) socket.unshift(head);
      resolvePromise(socket);
    });
    req.on('error', (err: NodeJS.ErrnoException) => reject(requestError(err, target.href, proxy)));
    req.end();
  });
}

/**
 * One GET of `url`, following redirects; through the proxy the environment names for it (see
 * proxy.ts): http:// URLs as an absolute-form request to the proxy, https:// ones through a
 * CONNECT tunnel with TLS end to end.
 */
function get(url: string, headers: Record<string, string>, options: DownloadOptions, redirectsLeft: number): Promise<IncomingMessage> {
  return new Promise((resolvePromise, reject) => {
    const mod = url.startsWith('https:') ? https : url.startsWith('http:') ? http : null;
    if (!mod) return reject(new DownloadError(url, 'only http:// and https:// URLs are supported', 'Give an http(s) URL.'));
    let target: URL;
    let proxy: ProxyChoice | null;
    try {
      target = new URL(url);
      proxy = proxyFor(target, options.env ?? process.env);
    } catch (e) {
      return reject(e instanceof TypeError ? new DownloadError(url, 'it is not a valid URL', 'Give a whole http(s) URL.') : e);
    }
    const onResponse = (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (redirectsLeft <= 0) return reject(new DownloadError(url, 'too many redirects'));
        resolvePromise(get(new URL(res.headers.location, url).href, headers, options, redirectsLeft - 1));
        return;
      }
      resolvePromise(res);
    };
    const watch = (req: ClientRequest, via: ProxyChoice | null) => {
      req.setTimeout(options.idleTimeoutMs ?? 30_000, () => req.destroy(new Interrupted(`no data for ${(options.idleTimeoutMs ?? 30_000) / 1000} s`)));
      req.on('error', (err: NodeJS.ErrnoException) => reject(requestError(err, url, via)));
    };
    if (proxy === null) return watch(mod.get(url, { headers, signal: options.signal }, onResponse), null);
    if (target.protocol === 'http:') {
      const req = (proxy.url.protocol === 'https:' ? https : http).get({
        host: proxy.url.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: portOf(proxy.url),
        path: target.href,
        headers: { ...headers, host: target.host, ...proxyAuthorization(proxy.url) },
        signal: options.signal,
      }, onResponse);
      return watch(req, proxy);
    }
    const servername = isIP(target.hostname.replace(/^\[(.*)\]$/, '$1')) === 0 ? target.hostname : undefined;
    tunnel(target, proxy, options).then((socket) => {
      const req = https.get(url, {
        headers,
        signal: options.signal,
        createConnection: () => tlsConnect({ socket, servername, host: target.hostname }),
      }, onResponse);
      watch(req, null);
    }, reject);
  });
}

async function sizeOr0(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** One HTTP attempt: appends to or rewrites the part file. Throws Interrupted if cut short. */
async function attempt(url: string, partPath: string, options: DownloadOptions): Promise<void> {
  const have = await sizeOr0(partPath);
  const res = await get(url, have > 0 ? { range: `bytes=${have}-` } : {}, options, options.maxRedirects ?? 5);
  const status = res.statusCode ?? 0;
  if (status === 416 && have > 0) {
    // The part is already as long as the file (or longer): let the MD5 check decide.
    res.resume();
    return;
  }
  if (status !== 200 && status !== 206) {
    res.resume();
    const advice =
      status === 404
        ? 'The file is not at this URL: check the dataset name and --size, and the --url or MEDNAS_DATA_URL if you set one.'
        : undefined;
    throw new DownloadError(url, `server answered HTTP ${status} ${res.statusMessage ?? ''}`.trim(), advice);
  }
  // 206 must continue exactly where the part ends. Elsewhere, once, restart from zero (the part may
  // be stale); a server that answers a fresh request with a 206 from elsewhere cannot be resumed
  // from at all, and running again will not change that.
  const range = /^bytes (\d+)-\d+\/(\d+|\*)/.exec(String(res.headers['content-range'] ?? ''));
  const append = status === 206 && range !== null && Number(range[1]) === have;
  const start = append ? have : 0;
  if (status === 206 && !append) {
    res.resume();
    await unlink(partPath).catch(() => undefined);
    const sent = range ? `from byte ${range[1]}` : `without a valid Content-Range (${JSON.stringify(res.headers['content-range'] ?? null)})`;
    if (have > 0) throw new WrongOffset(`the server sent data ${sent} when asked to resume at byte ${have}`);
    throw new DownloadError(
      url,
      `the server answered HTTP 206 (partial content) ${sent} to a request for the whole file`,
      'This server does not serve the file correctly; a rerun will not help. Use another mirror (--url or MEDNAS_DATA_URL).',
    );
  }
  const length = res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : null;
  const total = length === null ? null : start + length;
  let received = start;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      options.onProgress?.({ receivedBytes: received, totalBytes: total, resumedFromBytes: start });
      done(null, chunk);
    },
  });
  options.onProgress?.({ receivedBytes: received, totalBytes: total, resumedFromBytes: start });
  try {
    await pipeline(res, counter, createWriteStream(partPath, { flags: append ? 'a' : 'w' }));
  } catch (err) {
    if (options.signal?.aborted) throw new DownloadError(url, 'cancelled', 'Run the same command again to resume.');
    throw new Interrupted((err as Error).message);
  }
  if (total !== null && received < total) throw new Interrupted(`connection closed after ${received} of ${total} bytes`);
}

/** Downloads `url` to `destPath` through `destPath + '.part'`, verifying the MD5 if given. */
export async function downloadFile(url: string, destPath: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  try {
    await mkdir(dirname(destPath), { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DownloadError(
      url,
      `the directory ${dirname(destPath)} cannot be made (${code === 'EEXIST' || code === 'ENOTDIR' ? 'a file is in the way' : code ?? String(e)})`,
      'Point --data-dir / MEDNAS_DATA at a directory (it is created if missing).',
    );
  }
  const unlock = await lockDownload(destPath);
  try {
    return await downloadLocked(url, destPath, options);
  } finally {
    await unlock();
  }
}

async function downloadLocked(url: string, destPath: string, options: DownloadOptions): Promise<DownloadResult> {
  const partPath = `${destPath}.part`;
  const retries = options.retries ?? 3;
  let resumes = 0;
  let restartedClean = false;
  for (let tries = 0; ; ) {
    const resuming = (await sizeOr0(partPath)) > 0;
    try {
      await attempt(url, partPath, options);
    } catch (err) {
      if (err instanceof WrongOffset) {
        if (restartedClean) throw new DownloadError(url, err.message, 'This server does not resume correctly; a rerun will not help. Use another mirror (--url or MEDNAS_DATA_URL).');
        restartedClean = true;
        continue;
      }
      if (!(err instanceof Interrupted)) throw err;
      if (tries++ >= retries) {
        const kept = await sizeOr0(partPath);
        if (kept === 0) throw new DownloadError(url, `no data received (${err.message})`);
        throw new DownloadError(
          url,
          `the transfer was interrupted (${err.message}); ${kept} bytes are kept in ${basename(partPath)}`,
          'Run the same command again: it resumes from there.',
        );
      }
      resumes++;
      const delayMs = (options.retryDelayMs ?? 1000) * tries;
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      continue;
    }
    const md5 = await md5OfFile(partPath);
    if (options.expectedMd5 && md5 !== options.expectedMd5.toLowerCase()) {
      await unlink(partPath).catch(() => undefined);
      if (resuming && !restartedClean) {
        restartedClean = true; // the old part may have belonged to another file: one clean retry
        continue;
      }
      throw new ChecksumError(basename(destPath), options.expectedMd5, md5);
    }
    await rename(partPath, destPath);
    return { path: destPath, bytes: await sizeOr0(destPath), md5, resumes };
  }
}

export interface MedMnistDownloadOptions extends DataDirOptions, Omit<DownloadOptions, 'expectedMd5'> {
  readonly sizePx?: number;
  /** Exact file URL, overriding the official one. */
  readonly url?: string;
  /** Base URL of a mirror (or test server): the file is fetched from `${baseUrl}/${fileName}`. */
  readonly baseUrl?: string;
}

export interface MedMnistDownloadResult extends DownloadResult {
  readonly url: string;
  /** True when a verified file was already there and nothing was fetched. */
  readonly alreadyPresent: boolean;
}

/** Downloads a MedMNIST subset into the data directory and verifies it against the registry. */
export async function downloadMedMnist(name: string, options: MedMnistDownloadOptions = {}): Promise<MedMnistDownloadResult> {
  const info = getMedMnistInfo(name);
  const sizePx = options.sizePx ?? 28;
  const fileName = medMnistFileName(info.name, sizePx);
  const dest = join(resolveDataDir(options).path, fileName);
  const env = options.env ?? process.env;
  const url = options.url ?? medMnistUrl(info.name, sizePx, options.baseUrl ?? env.MEDNAS_DATA_URL);
  if ((await sizeOr0(dest)) > 0) {
    const md5 = await md5OfFile(dest);
    if (releaseByMd5(info.name, sizePx, md5)) return { path: dest, bytes: await sizeOr0(dest), md5, resumes: 0, url, alreadyPresent: true };
  }
  const result = await downloadFile(url, dest, { ...options, expectedMd5: medMnistMd5(info.name, sizePx) });
  return { ...result, url, alreadyPresent: false };
}
