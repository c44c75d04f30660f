#!/usr/bin/env node
// The web app's initial JavaScript: every script and modulepreload that web/dist/index.html loads,
// the landing page's chunk (the route of `/`, imported right after), and the static imports they all
// pull in: what a browser fetches to show `/`, gzipped. Lazy pages and the chart library are not in it.
// Fails above the budget, so the figure is checked on every `npm test`.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET_KB = 150;
const dist = fileURLToPath(new URL('../web/dist/', import.meta.url));
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const entries = [...html.matchAll(/<(?:script[^>]*\bsrc|link[^>]*rel="modulepreload"[^>]*\bhref)="\/([^"]+\.js)"/g)].map((m) => m[1]);
if (entries.length === 0) throw new Error('no script found in web/dist/index.html; run npm run build:web');

// Static imports only (`import … from "./x.js"` / `import "./x.js"`), not dynamic import("…").
const seen = new Set();
const landing = readdirSync(join(dist, 'assets')).filter((f) => /^landing-page-.*\.js$/.test(f)).map((f) => `assets/${f}`);
if (landing.length !== 1) throw new Error('expected one landing-page chunk in web/dist/assets');
const queue = [...entries, ...landing];
while (queue.length) {
  const file = queue.shift();
  if (seen.has(file)) continue;
  seen.add(file);
  const code = readFileSync(join(dist, file), 'utf8');
  for (const m of code.matchAll(/(?:^|[;}\n])\s*import\s*(?:[\w*{}\s,$]+from\s*)?["']\.\/([^"']+\.js)["']/g)) queue.push(`assets/${m[1]}`);
}
let raw = 0;
let gz = 0;
const rows = [];
for (const file of seen) {
  const bytes = readFileSync(join(dist, file));
  const zipped = gzipSync(bytes, { level: 9 }).length;
  raw += bytes.length;
  gz += zipped;
  rows.push(`  ${file}  ${(bytes.length / 1024).toFixed(1)} KB, ${(zipped / 1024).toFixed(1)} KB gzipped`);
}
console.log(`[size:web] initial JS on /: ${(gz / 1024).toFixed(1)} KB gzipped (${(raw / 1024).toFixed(1)} KB raw), budget ${BUDGET_KB} KB\n${rows.join('\n')}`);
if (gz / 1024 > BUDGET_KB) {
  console.error(`[size:web] over budget by ${(gz / 1024 - BUDGET_KB).toFixed(1)} KB`);
  process.exit(1);
}
