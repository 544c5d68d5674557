import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { ROOT } from './processes';
import { upToDate, writeStamp } from './up-to-date';

/**
 * Part of `npm run build`: bundles the officers' playground and the auditors' console
 * (gateway/ui) into gateway/dist/ui, which the gateway serves itself. Closed networks have no
 * internet (İAMAS 5.6.6), so the stylesheets must not reach for remote fonts or images; a
 * bundle that does fails the build here rather than in a browser behind the CSP.
 */
const ENTRIES = ['playground', 'console', 'me'];
const OUT_DIR = join(ROOT, 'gateway/dist/ui');
/** Any url() or @import in a stylesheet that is not an inline data: URI. */
const EXTERNAL_CSS = /@import|url\((?!\s*['"]?data:)/i;

/** What the last bundle read (esbuild's inputs, its tsconfig and this script), beside the served folder. */
const STAMP = join(ROOT, 'gateway/dist/ui.inputs.json');

async function main(): Promise<void> {
  const outputs = ENTRIES.flatMap((name) => [join(OUT_DIR, `${name}.js`), join(OUT_DIR, `${name}.css`)]);
  // `npm start` (prestart) bundles only when something it reads changed since the last bundle.
  if (process.argv.includes('--if-changed') && upToDate(STAMP, outputs)) {
    console.log(`UI bundle in ${OUT_DIR} is up to date`);
    return;
  }
  const { metafile } = await build({
    absWorkingDir: ROOT,
    entryPoints: Object.fromEntries(ENTRIES.map((name) => [name, `gateway/ui/${name}.tsx`])),
    outdir: OUT_DIR,
    tsconfig: 'gateway/ui/tsconfig.json',
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome109', 'firefox115', 'safari16'],
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
    metafile: true,
  });
  for (const name of ENTRIES) {
    const css = readFileSync(join(OUT_DIR, `${name}.css`), 'utf8');
    const match = EXTERNAL_CSS.exec(css);
    if (match) throw new Error(`gateway/dist/ui/${name}.css loads something from outside the bundle: …${css.slice(match.index, match.index + 80)}…`);
  }
  writeStamp(STAMP, [...Object.keys(metafile.inputs).map((input) => resolve(ROOT, input)), resolve(ROOT, 'gateway/ui/tsconfig.json'), __filename]);
  console.log(`UI bundled into ${OUT_DIR}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
