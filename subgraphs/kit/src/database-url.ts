/**
 * A database URL may list several servers, as libpq's does (primary.ts). Reading one needs no
 * database driver: the configuration checks it before pg is loaded (tracing instruments pg first).
 */
export interface DatabaseHost {
  host: string;
  port: number;
}

export interface DatabaseHosts {
  hosts: DatabaseHost[];
  /** The URL with only the first server: what pg and typeorm parse for everything but the host. */
  firstUrl: string;
  /** Each server's own URL, in the list's order. */
  urls: string[];
}

const DEFAULT_PORT = 5432;

function parseHost(text: string): DatabaseHost {
  // [v6]:port, host:port or host alone.
  const match = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d+))?$/.exec(text);
  if (!match) throw new Error(`not a host[:port]: ${JSON.stringify(text)}`);
  const port = match[2] === undefined ? DEFAULT_PORT : Number(match[2]);
  if (port < 1 || port > 65_535) throw new Error(`port out of range: ${JSON.stringify(text)}`);
  return { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}

/** Splits libpq's multi-host URL; a URL with one host comes back as it was. Throws on a malformed one. */
export function databaseHosts(url: string): DatabaseHosts {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^@/?#]*@)?([^/?#]*)(.*)$/i.exec(url);
  if (!match) throw new Error('not a URL');
  const [, scheme, userinfo = '', hostList, rest] = match as unknown as [string, string, string | undefined, string, string];
  const parts = hostList.split(',');
  const hosts = parts.map(parseHost);
  const urls = parts.map((part) => `${scheme}${userinfo}${part}${rest}`);
  for (const each of urls) new URL(each);
  return { hosts, firstUrl: urls[0]!, urls };
}
