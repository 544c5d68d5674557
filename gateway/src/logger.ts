import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Structured logs. Tokens, headers, query text, variables and response data are never logged;
 * the redaction is a second line behind the code never passing them.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization', 'headers.authorization', 'authorization', 'token',
  'query', 'variables', 'body', 'data', '*.query', '*.variables', '*.body', '*.data',
];

export function createLogger(name: string, destination?: DestinationStream): Logger {
  const options = { name, level: process.env['LOG_LEVEL'] ?? 'info', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
