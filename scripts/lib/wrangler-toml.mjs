// Copies of wrangler.toml for tools that cannot use it as it is: without [[containers]] (a dry run
// builds the agent's image, which needs a Docker engine; local runs have containers off anyway), and
// with paths made absolute so the copy can live in another folder.

/** The config without its [[containers]] table(s). Throws if there is none, so a renamed table is noticed. */
export function withoutContainers(toml) {
  const out = toml.replace(/^\[\[containers\]\]\n(?:(?!\[)[^\n]*\n)*/gm, '');
  if (out === toml) throw new Error('expected a [[containers]] table in wrangler.toml');
  return out;
}

/**
 * The config without its [assets] table, for the benchmarks: they measure the API, and with assets the
 * entry of the local workerd is the assets router, which answers miniflare's
 * /cdn-cgi/handler/scheduled trigger with a 500 instead of running the Worker's cron.
 */
export function withoutAssets(toml) {
  const out = toml.replace(/^\[assets\]\n(?:(?!\[)[^\n]*\n)*/m, '');
  if (out === toml) throw new Error('expected an [assets] table in wrangler.toml');
  return out;
}

/** The config with `main` (unless `mainLine` replaces it), `migrations_dir` and the assets `directory` made absolute under `root`. */
export function relocated(toml, root, mainLine) {
  const abs = (p) => JSON.stringify(`${root.replace(/\/$/, '')}/${p.replace(/^\.\//, '')}`);
  return toml
    .replace(/^main\s*=\s*"([^"]+)"/m, (_, main) => mainLine ?? `main = ${abs(main)}`)
    .replace(/^migrations_dir\s*=\s*"([^"]*)"/m, (_, dir) => `migrations_dir = ${abs(dir)}`)
    .replace(/^directory\s*=\s*"([^"]*)"/m, (_, dir) => `directory = ${abs(dir)}`);
}
