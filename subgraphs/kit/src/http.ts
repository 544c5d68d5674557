import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Answer } from './execution';

type Route = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

interface HttpOptions {
  /** Answers /graphql, given the request and its body as parseGraphQLBody read it (execution.ts). */
  graphql: (req: IncomingMessage, body: unknown) => Promise<Answer>;
  /** Extra routes by exact path, e.g. /health and /ready. */
  routes?: Record<string, Route>;
}

/** Only the gateway calls a subgraph, and its requests are small. */
const MAX_BODY_BYTES = 1_000_000;

/** A request refused with its own status and code, answered as a GraphQL error. */
export class RequestRejected extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function graphQLErrorBody(code: string, message: string, extensions: Record<string, unknown> = {}) {
  return { errors: [{ message, extensions: { code, ...extensions } }] };
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new RequestRejected(413, 'QUERY_TOO_COMPLEX', `Request body of ${declared} bytes exceeds the limit of ${limit} bytes.`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new RequestRejected(413, 'QUERY_TOO_COMPLEX', `Request body exceeds the limit of ${limit} bytes.`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function parseGraphQLBody(req: IncomingMessage, limit: number): Promise<unknown> {
  if (req.method !== 'POST') return undefined;
  const text = await readBody(req, limit);
  if (text.length === 0) return undefined;
  const type = req.headers['content-type'] ?? '';
  if (!type.includes('json')) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new RequestRejected(400, 'BAD_REQUEST', 'The request body is not valid JSON.');
  }
}

/** Serves a subgraph's GraphQL endpoint on Node's own http module: no framework between the socket and the rules. */
export function createHttpServer(options: HttpOptions): Server {
  return createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (error instanceof RequestRejected) return sendJson(res, error.status, graphQLErrorBody(error.code, error.message));
      if (!res.headersSent) sendJson(res, 500, graphQLErrorBody('INTERNAL_SERVER_ERROR', 'Internal server error.'));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = options.routes?.[url.pathname];
    if (route) return route(req, res);
    if (url.pathname !== '/graphql') return sendJson(res, 404, { error: 'not found' });
    const answer = await options.graphql(req, await parseGraphQLBody(req, MAX_BODY_BYTES));
    res.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
    res.end(answer.body);
  }
}

export function listen(server: Server, port: number, host = '0.0.0.0'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export const DEFAULT_SHUTDOWN_GRACE_MS = 8_000;

/**
 * Graceful stop for an HTTP server (R14): stop listening, let the requests in flight finish,
 * and answer them with `connection: close` so keep-alive clients do not send more on the same
 * connection. Node's own close() would keep such connections open and serving until they idle
 * out. After the grace period whatever is left is cut. Attach before the server listens.
 */
export class GracefulServer {
  private readonly inFlight = new Set<ServerResponse>();
  private stopping = false;

  constructor(private readonly server: Server) {
    // Prepended, so the header is set before any route can write its answer.
    server.prependListener('request', (_req, res: ServerResponse) => {
      if (this.stopping) res.setHeader('connection', 'close');
      this.inFlight.add(res);
      res.once('close', () => this.inFlight.delete(res));
    });
  }

  get closing(): boolean {
    return this.stopping;
  }

  close(graceMs: number): Promise<void> {
    this.stopping = true;
    for (const res of this.inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
    return new Promise((resolve) => {
      const cut = setTimeout(() => this.server.closeAllConnections(), graceMs);
      this.server.close(() => {
        clearTimeout(cut);
        resolve();
      });
      // close() drops idle keep-alive connections; connections busy now close after their answer.
      this.server.closeIdleConnections();
    });
  }
}
