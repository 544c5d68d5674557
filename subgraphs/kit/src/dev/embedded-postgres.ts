import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * The embedded default: one PGlite instance served over the PostgreSQL wire protocol, so
 * every subgraph uses the ordinary pg driver exactly as against a real server (one shared
 * instance with a schema per subgraph; nine instances would cost gigabytes).
 */
export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

interface QueuedMessage {
  handlerId: number;
  message: Uint8Array;
  onData(data: Uint8Array): void;
  resolve(bytes: number): void;
  reject(error: unknown): void;
}

/** The internals of pglite-socket's query queue that the patch below replaces. */
interface QueryQueue {
  queue: QueuedMessage[];
  processing: boolean;
  lastHandlerId: number | null;
  db: PGlite;
  processQueue(): Promise<void>;
  clearTransactionIfNeeded(handlerId: number): Promise<void>;
}

/** Parse, Bind, Describe, Execute, Close, Flush: the messages that wait for a Sync. */
const EXTENDED_QUERY_MESSAGES = new Set([0x50, 0x42, 0x44, 0x45, 0x43, 0x48]);

/**
 * pglite-socket 0.2 queues protocol messages one by one and keeps a connection's turn only
 * inside a transaction. The extended protocol sends Parse, Bind, Describe, Execute and Sync
 * as separate messages, so under concurrency one connection's Bind met another's Parse in the
 * single shared session ("bind message supplies 2 parameters, but prepared statement requires
 * 2050"). This keeps a connection's turn from its first message until its Sync as well.
 */
function keepExtendedQueriesTogether(queue: QueryQueue): void {
  let openGroup: number | null = null;
  queue.processQueue = async function processQueue(this: QueryQueue) {
    if (this.processing || this.queue.length === 0) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const owner = openGroup ?? (this.db.isInTransaction() ? this.lastHandlerId : null);
        const index = owner === null ? 0 : this.queue.findIndex((m) => m.handlerId === owner);
        if (index === -1) break;
        const [item] = this.queue.splice(index, 1);
        if (!item) break;
        openGroup = EXTENDED_QUERY_MESSAGES.has(item.message[0] ?? 0) ? item.handlerId : null;
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(item.message, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length;
                item.onData(data);
              },
            }),
          );
        } catch (error) {
          item.reject(error);
          continue;
        }
        this.lastHandlerId = item.handlerId;
        item.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  };
  const clearTransaction = queue.clearTransactionIfNeeded.bind(queue);
  queue.clearTransactionIfNeeded = async function clear(this: QueryQueue, handlerId: number) {
    // A connection that went away in the middle of a query must not hold the turn forever.
    if (openGroup === handlerId) openGroup = null;
    await clearTransaction(handlerId);
    await this.processQueue();
  };
}

/**
 * PostgreSQL's default 128 MB of shared buffers live in the WebAssembly memory, which never
 * shrinks; the demo's data fits in far less.
 */
const SETTINGS = ['shared_buffers = 16MB'];

/**
 * initdb on a new data folder, in a worker thread: the instance that ran it keeps initdb's
 * WebAssembly memory (about 400 MB), which is freed with the worker rather than at some later
 * garbage collection; the instance opened afterwards holds only the server's. The launcher's
 * own thread stays free meanwhile. Both use one compiled PostgreSQL module: the code V8
 * optimised while initdb ran serves the migrations and the seeding that follow (compiled anew,
 * they ran at half speed until it was optimised again).
 */
type WasmModule = NonNullable<PGliteOptions['pgliteWasmModule']>;
// The compiler's libraries (ES2023, no DOM) do not declare Node's WebAssembly global.
const wasmCompiler = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule> } }).WebAssembly;

async function initialise(pgliteOptions: PGliteOptions): Promise<PGliteOptions> {
  // pglite.wasm beside the package's entry, as PGlite itself loads it.
  const wasm = join(dirname(require.resolve('@electric-sql/pglite')), 'pglite.wasm');
  const shared = { ...pgliteOptions, pgliteWasmModule: await wasmCompiler.compile(await readFile(wasm)) };
  const worker = new Worker(join(__dirname, 'initdb-worker.js'), { workerData: shared });
  // once() rejects with the worker's error, should initdb fail.
  const [code] = (await once(worker, 'exit')) as [number];
  if (code !== 0) throw new Error(`initdb of the embedded PostgreSQL ended with code ${code}`);
  return shared;
}

export async function startEmbeddedPostgres(options: { dataDir?: string; port?: number; maxConnections?: number } = {}): Promise<EmbeddedPostgres> {
  let pgliteOptions: PGliteOptions = { postgresqlconf: SETTINGS, ...(options.dataDir ? { dataDir: options.dataDir } : {}) };
  if (options.dataDir && !existsSync(join(options.dataDir, 'PG_VERSION'))) pgliteOptions = await initialise(pgliteOptions);
  const db = await PGlite.create(pgliteOptions);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: options.port ?? 0, maxConnections: options.maxConnections ?? 128 });
  keepExtendedQueriesTogether((server as unknown as { queryQueue: QueryQueue }).queryQueue);
  await server.start();
  const address = server.getServerConn();
  return {
    url: `postgres://postgres@${address}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
