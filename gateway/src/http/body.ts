import type { IncomingMessage } from 'node:http';
import { Refusal } from '../pipeline/refusal';

/**
 * The gateway's one request-body reader: every route that takes a body reads it here, inside
 * its pipeline, so whatever goes wrong with a body is a refusal the journal records like any
 * other — over the limit by its declared length or by its chunks, too slow, cut off, not JSON.
 */
export interface BodyLimits {
  maxBytes: number;
  /** How long the body may take to arrive once the stages let the request in. */
  timeoutMs: number;
}

/** Enough for any honest client on a closed network; a body still arriving after it holds a slot for nothing. */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;

// An answer that leaves a body unread closes the connection: Node would otherwise read the rest, however long, to reuse it.
const CLOSE = { connection: 'close' };

const tooLarge = (max: number, found: number) =>
  new Refusal('QUERY_TOO_COMPLEX', `The request body exceeds the limit of ${max} bytes.`, 413, { limit: 'requestBodyBytes', max, found }, CLOSE);
const tooSlow = (ms: number) => new Refusal('BAD_REQUEST', `The request body did not arrive within ${ms} ms.`, 408, { reason: 'BODY_TIMEOUT' }, CLOSE);
const cutOff = () => new Refusal('BAD_REQUEST', 'The request body was cut off before its end.', 400, { reason: 'BODY_ABORTED' });
const notJson = () => new Refusal('BAD_REQUEST', 'The request body is not valid JSON.', 400, { reason: 'INVALID_JSON' });

/** The body as JSON; undefined when it is empty. A streamed body stops being read at the first byte over the limit. */
export async function readJsonBody(req: IncomingMessage, limits: BodyLimits): Promise<unknown> {
  const text = await readTextBody(req, limits);
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw notJson();
  }
}

/** The body as UTF-8 text (a form's, say), within the same limits. */
export function readTextBody(req: IncomingMessage, limits: BodyLimits): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isInteger(declared) && declared > limits.maxBytes) return Promise.reject(tooLarge(limits.maxBytes, declared));
  if (req.destroyed) return Promise.reject(cutOff());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('close', onClose).off('error', onClose);
    };
    const refuse = (refusal: Refusal) => {
      stop();
      req.pause();
      reject(refusal);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) refuse(tooLarge(limits.maxBytes, size));
      else chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    // Closed or failed before its end: the client went away, or its connection did.
    const onClose = () => refuse(cutOff());
    const timer = setTimeout(() => refuse(tooSlow(limits.timeoutMs)), limits.timeoutMs);
    req.on('data', onData).on('end', onEnd).on('close', onClose).on('error', onClose);
  });
}
