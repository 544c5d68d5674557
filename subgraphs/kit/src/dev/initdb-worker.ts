import { workerData } from 'node:worker_threads';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';

/**
 * Runs PostgreSQL's initdb on a new data folder in a worker thread (embedded-postgres.ts): the
 * instance that ran initdb holds about 400 MB of WebAssembly memory, which goes back to the
 * system when the worker ends instead of whenever the launcher's garbage collector gets to it.
 */
void PGlite.create(workerData as PGliteOptions).then((db) => db.close());
