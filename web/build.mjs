// Builds the pages into --out DIR: bundles (esbuild), content-hashed names, a gzip copy of each
// file, and manifest.json, which cmake/WebAssets.cmake compiles into the mart binary.
//
// manifest.json: {"assets": [{"url", "file", "gzip", "type", "immutable"}],
//                 "pages": [{"pattern", "url"}]}
// A page pattern ("/orders/{id}") names a client-side route: the server answers it with the HTML
// of `url`, so a deep link loads the right page.
import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { pageRoutes } from './src/pages.js';

const here = dirname(fileURLToPath(import.meta.url));
const outArg = process.argv.indexOf('--out');
if (outArg < 0 || !process.argv[outArg + 1]) {
  console.error('usage: node build.mjs --out DIR');
  process.exit(2);
}
const out = process.argv[outArg + 1];
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });

const result = await esbuild.build({
  absWorkingDir: here,
  entryPoints: { store: 'src/store/main.js', admin: 'src/admin/main.js', style: 'src/style.css' },
  bundle: true,
  splitting: true,
  format: 'esm',
  target: 'es2020',
  minify: true,
  legalComments: 'none',
  entryNames: '[name]-[hash]',
  chunkNames: 'chunk-[hash]',
  assetNames: '[name]-[hash]',
  loader: { '.svg': 'file' },
  outdir: join(out, 'assets'),
  metafile: true,
  logLevel: 'warning',
});

const types = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
};
const typeOf = (file) => types[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream';
const urlOf = (file) => '/' + relative(out, file).split('\\').join('/');

const assets = [];
const add = (file, immutable) => {
  const body = readFileSync(file);
  writeFileSync(file + '.gz', gzipSync(body, { level: 9 }));
  assets.push({
    url: urlOf(file),
    file: relative(out, file),
    gzip: relative(out, file) + '.gz',
    type: typeOf(file),
    immutable,
  });
};

// What each entry needs: its own file and the chunks it imports (preloaded, so the browser
// fetches them in parallel instead of one after another).
const outputs = Object.entries(result.metafile.outputs).map(([file, meta]) => ({
  file: join(here, file),
  meta,
}));
for (const { file } of outputs) add(file, true);
const entryOutput = (name) =>
  outputs.find(({ meta }) => meta.entryPoint && meta.entryPoint.includes(`/${name}`));
const favicon = join(out, 'assets', 'favicon-' + hashOf(readFileSync(join(here, 'src/favicon.svg'))) + '.svg');
writeFileSync(favicon, readFileSync(join(here, 'src/favicon.svg')));
add(favicon, true);

function hashOf(bytes) {
  return createHash('sha256').update(bytes).digest('base64url').slice(0, 10);
}

const style = entryOutput('style.css');
// Both pages come from one template (src/page.html): only the title and the entry differ.
const html = (title, entry) => {
  const script = entryOutput(entry);
  const preloads = script.meta.imports
    .filter((i) => i.kind === 'import-statement')
    .map((i) => `<link rel="modulepreload" href="${urlOf(join(here, i.path))}">`)
    .join('\n    ');
  return readFileSync(join(here, 'src', 'page.html'), 'utf8')
    .replaceAll('{{title}}', title)
    .replaceAll('{{style}}', urlOf(style.file))
    .replaceAll('{{script}}', urlOf(script.file))
    .replaceAll('{{preloads}}', preloads)
    .replaceAll('{{favicon}}', urlOf(favicon));
};
for (const [name, title, entry] of [['index.html', 'Mart', 'store'], ['admin.html', 'Mart admin', 'admin']]) {
  const file = join(out, name);
  writeFileSync(file, html(title, entry));
  add(file, false);
}

const manifest = {
  assets,
  pages: pageRoutes.map(({ pattern, entry }) => ({
    pattern,
    url: entry === 'admin' ? '/admin.html' : '/index.html',
  })),
};
writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
const gz = assets.filter((a) => a.url.startsWith('/assets/')).reduce(
  (sum, a) => sum + readFileSync(join(out, a.gzip)).length, 0);
console.log(`web: ${assets.length} files, assets ${(gz / 1024).toFixed(1)} KiB gzipped -> ${out}`);
