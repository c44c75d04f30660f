// The `/docs` API reference: server-rendered from the same OpenAPI document as `/openapi.json`, so it
// needs no CDN, no client script and works offline.

interface SchemaLike {
  type?: string | string[];
  enum?: unknown[];
  format?: string;
  description?: string;
  example?: unknown;
  items?: SchemaLike;
  properties?: Record<string, SchemaLike>;
  required?: string[];
  $ref?: string;
  anyOf?: SchemaLike[];
  oneOf?: SchemaLike[];
}

interface ParameterLike {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: SchemaLike;
}

interface OperationLike {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: ParameterLike[];
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: SchemaLike }> }>;
}

interface DocumentLike {
  info: { title: string; version: string; description?: string };
  paths?: Record<string, Record<string, OperationLike>>;
  components?: { schemas?: Record<string, SchemaLike> };
}

const esc = (value: unknown) =>
  String(value).replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

function typeOf(schema: SchemaLike | undefined): string {
  if (!schema) return '';
  if (schema.$ref) {
    const name = schema.$ref.split('/').pop() ?? '';
    return `<a href="#schema-${esc(name)}">${esc(name)}</a>`;
  }
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return variants.map(typeOf).join(' | ');
  if (schema.enum) return schema.enum.map((v) => `<code>${esc(v)}</code>`).join(' | ');
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : (schema.type ?? 'any');
  if (type === 'array') return `${typeOf(schema.items)}[]`;
  return esc(type) + (schema.format ? ` <small>(${esc(schema.format)})</small>` : '');
}

function schemaTable(schema: SchemaLike): string {
  if (!schema.properties) return `<p>${typeOf(schema)}</p>`;
  const rows = Object.entries(schema.properties)
    .map(
      ([name, prop]) =>
        `<tr><td><code>${esc(name)}</code>${schema.required?.includes(name) ? '' : ' <small>optional</small>'}</td>` +
        `<td>${typeOf(prop)}</td><td>${esc(prop.description ?? '')}</td></tr>`,
    )
    .join('');
  return `<table><thead><tr><th>Field</th><th>Type</th><th>Meaning</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function operation(path: string, method: string, op: OperationLike): string {
  const params = (op.parameters ?? [])
    .map(
      (p) =>
        `<tr><td><code>${esc(p.name)}</code> <small>${esc(p.in)}${p.required ? ', required' : ''}</small></td>` +
        `<td>${typeOf(p.schema)}</td><td>${esc(p.description ?? p.schema?.description ?? '')}` +
        `${p.schema?.example !== undefined ? ` <small>e.g. <code>${esc(p.schema.example)}</code></small>` : ''}</td></tr>`,
    )
    .join('');
  const responses = Object.entries(op.responses ?? {})
    .map(([status, r]) => {
      const [type, media] = Object.entries(r.content ?? {})[0] ?? [];
      return `<li><b>${esc(status)}</b> ${esc(r.description ?? '')}${type ? ` — <code>${esc(type)}</code> ${typeOf(media?.schema)}` : ''}</li>`;
    })
    .join('');
  const id = `${method}-${path}`.replace(/[^A-Za-z0-9]+/g, '-');
  return `<section class="op" id="${esc(id)}">
<h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h3>
<p><b>${esc(op.summary ?? '')}</b></p>${op.description ? `<p>${esc(op.description)}</p>` : ''}
${params ? `<table><thead><tr><th>Parameter</th><th>Type</th><th>Meaning</th></tr></thead><tbody>${params}</tbody></table>` : ''}
<ul>${responses}</ul></section>`;
}

/** Renders an OpenAPI 3.1 document (as produced by @hono/zod-openapi) to one HTML page. */
export function renderDocs(document: object): string {
  const doc = document as DocumentLike;
  const ops = Object.entries(doc.paths ?? {}).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op })),
  );
  const nav = ops.map(({ path, method }) => {
    const id = `${method}-${path}`.replace(/[^A-Za-z0-9]+/g, '-');
    return `<li><a href="#${esc(id)}"><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> ${esc(path)}</a></li>`;
  });
  const schemas = Object.entries(doc.components?.schemas ?? {})
    .map(([name, schema]) => `<section id="schema-${esc(name)}"><h3>${esc(name)}</h3>${schemaTable(schema)}</section>`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(doc.info.title)} reference</title>
<style>
:root{color-scheme:light dark;--fg:#1b1f24;--bg:#fff;--muted:#59636e;--line:#d1d9e0;--code:#f6f8fa}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9198a1;--line:#3d444d;--code:#151b23}}
body{font:15px/1.5 system-ui,sans-serif;color:var(--fg);background:var(--bg);margin:0;display:grid;grid-template-columns:minmax(220px,300px) 1fr}
nav{position:sticky;top:0;height:100vh;overflow:auto;border-right:1px solid var(--line);padding:1rem}
nav ul{list-style:none;padding:0;margin:0}nav li{margin:.2rem 0}nav a{color:inherit;text-decoration:none;font-size:13px}
main{padding:1rem 2rem;max-width:1000px}code{background:var(--code);padding:0 .25em;border-radius:4px}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border-bottom:1px solid var(--line);text-align:left;padding:.3rem .5rem;vertical-align:top}
small{color:var(--muted)}.op{border-top:1px solid var(--line);padding-top:.5rem}
.m{font:bold 11px monospace;padding:2px 5px;border-radius:4px;color:#fff;background:#0969da}.m.post{background:#1a7f37}.m.delete{background:#cf222e}.m.patch{background:#9a6700}
@media (max-width:700px){body{display:block}nav{position:static;height:auto;border:0}}
</style></head><body>
<nav aria-label="Endpoints"><h2>${esc(doc.info.title)}</h2><p><small>v${esc(doc.info.version)} · <a href="/openapi.json">openapi.json</a></small></p><ul>${nav.join('')}</ul></nav>
<main><h1>${esc(doc.info.title)}</h1>${doc.info.description ? `<p>${esc(doc.info.description)}</p>` : ''}
<h2>Endpoints</h2>${ops.map(({ path, method, op }) => operation(path, method, op)).join('')}
<h2>Schemas</h2>${schemas}</main></body></html>`;
}
