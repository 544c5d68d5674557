import { statSync, writeFileSync, readFileSync } from 'node:fs';

/**
 * A build step's record of what it read (a stamp file listing its inputs), so `npm start`'s
 * prestart can skip a bundle that nothing changed since: the stamp is written after the build,
 * so any input changed later is newer than it, and a deleted input cannot be read.
 */
export function writeStamp(stampPath: string, inputs: readonly string[]): void {
  writeFileSync(stampPath, JSON.stringify(inputs));
}

/** True when the stamp and every output exist and no input listed in the stamp is newer than the stamp. */
export function upToDate(stampPath: string, outputs: readonly string[]): boolean {
  try {
    const stamped = statSync(stampPath).mtimeMs;
    const inputs = JSON.parse(readFileSync(stampPath, 'utf8')) as string[];
    for (const output of outputs) statSync(output);
    return inputs.every((input) => statSync(input).mtimeMs <= stamped);
  } catch {
    // No stamp, a missing output or a deleted input: build.
    return false;
  }
}
