// Which proxy a download goes through, from the environment as curl and most tools read it:
// https:// URLs through HTTPS_PROXY (or https_proxy), http:// URLs through HTTP_PROXY (or
// http_proxy); NO_PROXY (or no_proxy) lists the hosts reached directly. Node 20's own fetch and
// node:https read none of these, so download.ts opens the tunnel itself (an HTTP CONNECT).
//
// NO_PROXY entries are comma- or space-separated: `*` (no proxy at all), a host name that matches
// itself and its subdomains (`example.org`, `.example.org` and `*.example.org` all match
// `data.example.org`), an IP address, each optionally with `:port`. localhost and loopback
// addresses are always reached directly (as Go's net/http does): a local mirror or test server
// is never sent to a proxy. CIDR ranges are not understood (an entry such as 10.0.0.0/8 matches
// nothing).
import { DataError } from '../../data/errors.ts';

/** The environment variables read (a subset of process.env). */
export type ProxyEnv = Readonly<Record<string, string | undefined>>;

export interface ProxyChoice {
  /** The proxy's URL (http: or https:), credentials included when given. */
  readonly url: URL;
  /** The variable it came from, for messages ('HTTPS_PROXY', 'http_proxy', ...). */
  readonly variable: string;
}

/** The first non-empty of `names` in `env` (lower case first, as curl reads them), with its name. */
function firstSet(env: ProxyEnv, names: readonly string[]): { name: string; value: string } | null {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return null;
}

const defaultPort = (protocol: string) => (protocol === 'https:' ? '443' : '80');

/** A host name without the brackets of an IPv6 literal, lower case. */
const bareHost = (host: string) => host.replace(/^\[(.*)\]$/, '$1').toLowerCase();

function isLoopback(host: string): boolean {
  const h = bareHost(host);
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Whether NO_PROXY's `list` names `host` (with `port`, a string such as '443'). */
export function noProxyMatches(list: string, host: string, port: string): boolean {
  const h = bareHost(host);
  for (const raw of list.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    // host, host:port, [v6], [v6]:port; a bare IPv6 literal (two or more colons) has no port.
    let name = entry;
    let entryPort: string | null = null;
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    if (bracketed) {
      name = bracketed[1];
      entryPort = bracketed[2] ?? null;
    } else if ((entry.match(/:/g) ?? []).length === 1) {
      [name, entryPort] = entry.split(':');
    }
    if (entryPort !== null && entryPort !== port) continue;
    name = name.replace(/^\*?\./, '');
    if (name === '') continue;
    if (h === name || h.endsWith(`.${name}`)) return true;
  }
  return false;
}

/** The proxy that a request for `target` goes through, or null (none set, NO_PROXY, or a loopback host). */
export function proxyFor(target: URL, env: ProxyEnv = process.env): ProxyChoice | null {
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return null;
  if (isLoopback(target.hostname)) return null;
  const set = firstSet(env, target.protocol === 'https:' ? ['https_proxy', 'HTTPS_PROXY'] : ['http_proxy', 'HTTP_PROXY']);
  if (set === null) return null;
  const noProxy = firstSet(env, ['no_proxy', 'NO_PROXY']);
  if (noProxy && noProxyMatches(noProxy.value, target.hostname, target.port || defaultPort(target.protocol))) return null;
  // "proxy.example.org:3128" without a scheme means an http:// proxy, as curl takes it.
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(set.value) ? set.value : `http://${set.value}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ProxySettingError(set.name, set.value, 'it is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ProxySettingError(set.name, set.value, `${url.protocol} proxies are not supported`);
  return { url, variable: set.name };
}

/** host:port of a proxy URL, for messages (credentials left out). */
export function proxyAddress(proxy: URL): string {
  return `${proxy.hostname}:${proxy.port || defaultPort(proxy.protocol)}`;
}

/** The Proxy-Authorization header for a proxy URL with user:password, else none. */
export function proxyAuthorization(proxy: URL): Record<string, string> {
  if (proxy.username === '' && proxy.password === '') return {};
  const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'proxy-authorization': `Basic ${Buffer.from(credentials).toString('base64')}` };
}

/** A proxy variable that cannot be used (not a URL, or a SOCKS proxy). */
export class ProxySettingError extends DataError {
  override name = 'ProxySettingError';
  constructor(
    readonly variable: string,
    readonly value: string,
    reason: string,
  ) {
    super(`${variable}=${value} cannot be used: ${reason}. Set it to an http:// (or https://) proxy URL such as http://proxy.example.org:3128, or unset it.`);
  }
}
