// The market's two views, offers and providers, as tabs in both pages' headers.
import { css, html, type TemplateResult } from 'lit';

export function marketTabs(current: 'offers' | 'providers'): TemplateResult {
  return html`<nav class="views" aria-label="Market views">
    <a href="/market" aria-current=${current === 'offers' ? 'page' : 'false'}>Offers</a>
    <a href="/providers" aria-current=${current === 'providers' ? 'page' : 'false'}>Providers</a>
  </nav>`;
}

export const marketTabsStyles = css`
  .views { display: inline-flex; border: 1px solid var(--border-strong); border-radius: var(--radius); padding: 2px; gap: 2px; background: var(--surface); }
  .views a { font-size: var(--text-sm); font-weight: 550; padding: 5px 14px; border-radius: 6px; color: var(--text-muted); }
  .views a:hover { color: var(--text); text-decoration: none; background: var(--bg-hover); }
  .views a[aria-current='page'] { background: var(--bg-muted); color: var(--text); }
`;
