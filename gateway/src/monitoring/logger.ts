import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Structured logs. Tokens, headers, query text, variables and response data are never logged;
 * the redaction is a second line behind the code never passing them. Each line of a request
 * carries its hub registration number (http/server.ts logs through a child logger with `reg`).
 */
const SECRET_KEYS = ['authorization', 'cookie', 'token', 'headers', 'query', 'variables', 'body', 'data'];
export const REDACTED_PATHS = [...SECRET_KEYS, ...SECRET_KEYS.map((key) => `*.${key}`)];

/**
 * Without a destination, stdout written asynchronously: a line costs no write(2) of its own and
 * a slow reader (docker, a collector) never holds a request up. pino's destination flushes what
 * is buffered when the process exits, so a stop (main.ts exits after it) loses no line.
 */
export function createLogger(name: string, destination?: DestinationStream, level = 'info'): Logger {
  const options = { name, level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}

/**
 * For a line whose fields are all scalars (the request line): the same keys redacted, at the top
 * level only. The wildcard paths cannot match there and cost about half of the line's CPU.
 */
export function scalarLineLogger(logger: Logger): Logger {
  return logger.child({}, { redact: { paths: SECRET_KEYS, censor: '[redacted]' } });
}

/** An unexpected error's message may quote the request, so only its kind and where it was thrown are logged. */
export function errorSummary(error: unknown): { type: string; code?: string; stack?: string } {
  if (!(error instanceof Error)) return { type: typeof error };
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    ...(typeof code === 'string' ? { code } : {}),
    ...(error.stack
      ? {
          stack: error.stack
            .split('\n')
            .filter((line) => /^\s+at /.test(line))
            .join('\n'),
        }
      : {}),
  };
}
