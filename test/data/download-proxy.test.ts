// Downloads through the proxy that HTTPS_PROXY / HTTP_PROXY name, and around it for NO_PROXY hosts.
// A tiny proxy on 127.0.0.1 counts what it is asked: CONNECT tunnels (https://) and absolute-form
// requests (http://). The target host, data.example.test, does not resolve: only the proxy can reach
// it (the proxy maps it to a local server), so a finished download proves the request went through
// the proxy, and a NO_PROXY download that fails with ENOTFOUND proves it did not. The https:// case
// runs in a child process that trusts a self-signed certificate for data.example.test through
// NODE_EXTRA_CA_CERTS (made with openssl; skipped, with the reason printed, where openssl is missing).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DownloadError } from '../../src/data/index.ts';
import { downloadFile, noProxyMatches, proxyFor, ProxySettingError } from '../../src/node/data/index.ts';
import { runAsync } from '../spawn.ts';

const root = resolve(import.meta.dirname, '..', '..');
const TARGET = 'data.example.test';
const fixture = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 2654435761) >>> 24);
const fixtureMd5 = createHash('md5').update(fixture).digest('hex');
const dir = mkdtempSync(join(tmpdir(), 'mednas-proxy-'));
const fast = { retryDelayMs: 0, idleTimeoutMs: 5000, retries: 0 };

/** What the proxy was asked: CONNECT authorities and absolute-form URLs, with their Proxy-Authorization. */
const seen: { kind: 'connect' | 'get'; target: string; auth: string | undefined }[] = [];
let proxyStatus = 200;
let proxy: Server;
let proxyUrl = '';
let origin: Server;
let originPort = 0;
let tlsOrigin: HttpsServer | null = null;
let tlsPort = 0;
let certPath: string | null = null;
let noOpenssl = '';

function serve(_req: IncomingMessage, res: ServerResponse): void {
  if (_req.url?.endsWith('/ok/file.bin')) return void res.writeHead(200, { 'content-length': fixture.length }).end(fixture);
  res.writeHead(404).end();
}

const listen = (server: Server | HttpsServer) => new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as AddressInfo).port)));

test.before(async () => {
  origin = createServer(serve);
  originPort = await listen(origin);
  // A self-signed certificate for data.example.test, and an HTTPS server that presents it.
  const made = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${TARGET}`, '-addext', `subjectAltName=DNS:${TARGET}`,
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
  ], { encoding: 'utf8' });
  if (made.error || made.status !== 0) noOpenssl = made.error?.message ?? made.stderr.trim();
  else {
    certPath = join(dir, 'cert.pem');
    tlsOrigin = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(certPath) }, serve);
    tlsPort = await listen(tlsOrigin);
  }
  // The proxy: CONNECT data.example.test:443 is tunnelled to the HTTPS server, an absolute-form GET
  // for http://data.example.test/... forwarded to the HTTP one; any other host is a 502.
  proxy = createServer((req, res) => {
    seen.push({ kind: 'get', target: req.url ?? '', auth: req.headers['proxy-authorization'] });
    const url = new URL(req.url ?? '/', 'http://invalid');
    if (url.hostname !== TARGET) return void res.writeHead(502).end();
    const upstream = request({ host: '127.0.0.1', port: originPort, path: url.pathname, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    upstream.end();
  });
  proxy.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    seen.push({ kind: 'connect', target: req.url ?? '', auth: req.headers['proxy-authorization'] });
    if (proxyStatus !== 200) return void client.end(`HTTP/1.1 ${proxyStatus} Proxy Authentication Required\r\n\r\n`);
    if (req.url !== `${TARGET}:443` || tlsOrigin === null) return void client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
    const server = connect(tlsPort, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      server.write(head);
      server.pipe(client);
      client.pipe(server);
    });
    server.on('error', () => client.destroy());
    client.on('error', () => server.destroy());
  });
  const port = await listen(proxy);
  proxyUrl = `http://127.0.0.1:${port}`;
});

test.after(() => {
  proxy.close();
  origin.close();
  tlsOrigin?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('proxyFor: which variable for which scheme, NO_PROXY, loopback always direct, a bad value named', () => {
  const env = { HTTPS_PROXY: 'http://p.example:3128', http_proxy: 'proxy.example:8080', NO_PROXY: 'internal.example, .corp.example,10.1.2.3,host.example:8443' };
  assert.is(proxyFor(new URL('https://zenodo.org/x'), env)?.url.href, 'http://p.example:3128/');
  assert.is(proxyFor(new URL('https://zenodo.org/x'), env)?.variable, 'HTTPS_PROXY');
  assert.is(proxyFor(new URL('http://zenodo.org/x'), env)?.url.href, 'http://proxy.example:8080/', 'no scheme: an http:// proxy');
  assert.is(proxyFor(new URL('https://zenodo.org/x'), { https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:2' })?.url.hostname, 'lower');
  assert.is(proxyFor(new URL('https://zenodo.org/x'), { HTTP_PROXY: 'http://p:1' }), null, 'HTTP_PROXY is not used for https://');
  for (const direct of ['https://internal.example/a', 'https://a.internal.example/a', 'https://x.corp.example/a', 'https://corp.example/a', 'https://10.1.2.3/a', 'https://host.example:8443/a']) {
    assert.is(proxyFor(new URL(direct), env), null, direct);
  }
  for (const proxied of ['https://notinternal.example/a', 'https://host.example/a', 'https://10.1.2.30/a']) assert.ok(proxyFor(new URL(proxied), env), proxied);
  for (const local of ['http://127.0.0.1:8000/a', 'https://localhost/a', 'http://[::1]:9/a']) assert.is(proxyFor(new URL(local), { ...env, HTTP_PROXY: 'http://p:1' }), null, local);
  assert.is(proxyFor(new URL('https://zenodo.org/x'), { ...env, no_proxy: '*' }), null);
  assert.ok(noProxyMatches('*.example.org', 'data.example.org', '443'));
  assert.ok(noProxyMatches('[2001:db8::1]:443', '[2001:db8::1]', '443'));
  assert.not.ok(noProxyMatches('example.org:80', 'example.org', '443'));
  assert.throws(() => proxyFor(new URL('https://zenodo.org/x'), { HTTPS_PROXY: 'socks5://p:1080' }), (e: Error) => e instanceof ProxySettingError && /HTTPS_PROXY=socks5:\/\/p:1080 cannot be used/.test(e.message));
});

test('http:// through HTTP_PROXY: one absolute-form request to the proxy, with credentials; the file arrives verified', async () => {
  seen.length = 0;
  const auth = { HTTP_PROXY: proxyUrl.replace('http://', 'http://ada:s%40cret@') };
  const r = await downloadFile(`http://${TARGET}/ok/file.bin`, join(dir, 'http.bin'), { ...fast, expectedMd5: fixtureMd5, env: auth });
  assert.is(r.md5, fixtureMd5);
  assert.equal(seen, [{ kind: 'get', target: `http://${TARGET}/ok/file.bin`, auth: `Basic ${Buffer.from('ada:s@cret').toString('base64')}` }]);
});

test('NO_PROXY host: reached directly (this one does not resolve), the proxy is not asked', async () => {
  seen.length = 0;
  const env = { HTTP_PROXY: proxyUrl, HTTPS_PROXY: proxyUrl, no_proxy: 'example.test' };
  for (const scheme of ['http', 'https']) {
    const err = await downloadFile(`${scheme}://${TARGET}/ok/file.bin`, join(dir, `direct-${scheme}.bin`), { ...fast, env }).then(() => null, (e: Error) => e);
    assert.ok(err instanceof DownloadError, String(err));
    assert.match(err!.message, /could not connect \((ENOTFOUND|EAI_AGAIN)\)|no data received/);
  }
  assert.equal(seen, []);
});

test('a proxy that is not there, or refuses the tunnel, is named in the error', async () => {
  seen.length = 0;
  const dead = await downloadFile(`https://${TARGET}/ok/file.bin`, join(dir, 'dead.bin'), { ...fast, env: { HTTPS_PROXY: 'http://127.0.0.1:9' } }).then(() => null, (e: Error) => e);
  assert.ok(dead instanceof DownloadError);
  assert.match(dead!.message, /could not connect to the proxy 127\.0\.0\.1:9 \(ECONNREFUSED; from HTTPS_PROXY\)/);
  proxyStatus = 407;
  try {
    const refused = await downloadFile(`https://${TARGET}/ok/file.bin`, join(dir, 'refused.bin'), { ...fast, env: { https_proxy: proxyUrl } }).then(() => null, (e: Error) => e);
    assert.ok(refused instanceof DownloadError);
    assert.match(refused!.message, new RegExp(`the proxy 127\\.0\\.0\\.1:\\d+ \\(from https_proxy\\) refused the tunnel to ${TARGET}:443: HTTP 407`));
    assert.match(refused!.message, /wants credentials/);
  } finally {
    proxyStatus = 200;
  }
  assert.equal(seen.map((s) => s.kind), ['connect']);
});

test('https:// through HTTPS_PROXY (process.env, as a user sets it): a CONNECT tunnel, TLS to the target end to end, the file verified', async () => {
  if (certPath === null) return void console.log(`  SKIPPED the HTTPS tunnel test: openssl could not make a certificate (${noOpenssl})`);
  seen.length = 0;
  const script = join(dir, 'fetch.mts');
  writeFileSync(script, [
    `import { downloadFile } from ${JSON.stringify(join(root, 'src', 'node', 'data', 'download.ts'))};`,
    `const r = await downloadFile('https://${TARGET}/ok/file.bin', ${JSON.stringify(join(dir, 'https.bin'))}, { retries: 0, expectedMd5: '${fixtureMd5}' });`,
    'console.log(JSON.stringify(r));',
  ].join('\n'));
  const env: NodeJS.ProcessEnv = { ...process.env, HTTPS_PROXY: proxyUrl, HTTP_PROXY: '', NO_PROXY: 'localhost', NODE_EXTRA_CA_CERTS: certPath };
  delete env.https_proxy; // the lower-case forms come first
  delete env.no_proxy;
  const run = await runAsync(process.execPath, ['--import', 'tsx', script], { cwd: root, env });
  assert.is(run.status, 0, run.stderr);
  assert.is(JSON.parse(run.stdout.trim()).md5, fixtureMd5);
  assert.equal(seen, [{ kind: 'connect', target: `${TARGET}:443`, auth: undefined }]);
  // Without trusting the certificate: a clear error about it, not retries.
  const untrusted = await runAsync(process.execPath, ['--import', 'tsx', script], { cwd: root, env: { ...env, NODE_EXTRA_CA_CERTS: '' } });
  assert.is(untrusted.status, 1);
  assert.match(untrusted.stderr, /TLS certificate is not trusted .*NODE_EXTRA_CA_CERTS/s);
});

test.run();
