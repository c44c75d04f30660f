// A small History API router: a table of path patterns (`/gpus/:model`), each with a lazily
// imported page module and the custom element it defines. Links are plain <a href>; the app shell
// turns same-origin clicks into pushState navigations.

export interface RouteDef {
  /** `/market`, `/gpus/:model`; a trailing `/*` also matches deeper paths (`/app/*`). */
  pattern: string;
  /** The page's custom element name; `load` must define it. */
  tag: string;
  load: () => Promise<unknown>;
  /** Document title (the page may refine it). */
  title: string;
  /** Needs a signed-in user: anonymous visitors go to /login?next=…. */
  auth?: boolean;
}

export interface RouteMatch {
  route: RouteDef;
  params: Record<string, string>;
}

/** The first route whose pattern matches `pathname`, with its decoded params. Pure. */
export function matchRoute(routes: readonly RouteDef[], pathname: string): RouteMatch | null {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  const parts = path.split('/').filter(Boolean);
  for (const route of routes) {
    const pattern = route.pattern.split('/').filter(Boolean);
    const rest = pattern[pattern.length - 1] === '*';
    if (rest) pattern.pop();
    if (rest ? parts.length < pattern.length : parts.length !== pattern.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < pattern.length; i++) {
      const p = pattern[i]!;
      const v = parts[i]!;
      if (p.startsWith(':')) {
        const decoded = safeDecode(v);
        if (decoded === null) ok = false;
        else params[p.slice(1)] = decoded;
      } else if (p !== v) ok = false;
      if (!ok) break;
    }
    if (!ok) continue;
    if (rest) {
      const tail = parts.slice(pattern.length).map(safeDecode);
      if (tail.includes(null)) continue;
      params['*'] = tail.join('/');
    }
    return { route, params };
  }
  return null;
}

function safeDecode(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

/** Whether a click on this anchor should stay in the app (same origin, plain left click, no target). */
export function isAppLink(a: HTMLAnchorElement, event: MouseEvent, origin: string): boolean {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return false;
  if (a.target && a.target !== '_self') return false;
  if (a.hasAttribute('download') || a.getAttribute('rel')?.includes('external')) return false;
  const url = new URL(a.href, origin);
  if (url.origin !== origin) return false;
  // The API's own pages (reference docs, OpenAPI) are not app routes.
  return !/^\/(v1|docs|openapi\.json|healthz|\.well-known)(\/|$)/.test(url.pathname);
}

/** Navigates within the app; the shell listens for `gpb-navigate` and renders the new route. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const url = new URL(to, location.origin);
  if (options.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  window.dispatchEvent(new CustomEvent('gpb-navigate'));
}

/** Updates the query string without a navigation (filter state kept in the URL). */
export function replaceQuery(params: URLSearchParams): void {
  const text = params.toString();
  const url = `${location.pathname}${text ? `?${text}` : ''}${location.hash}`;
  if (url !== `${location.pathname}${location.search}${location.hash}`) history.replaceState(history.state, '', url);
}
