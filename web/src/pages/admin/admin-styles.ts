// Styles shared by the admin page's panels.
import { css } from 'lit';

export const adminStyles = css`
  .small { font-size: var(--text-xs); }
  .strong { font-weight: 600; }
  .table-wrap { overflow-x: auto; }
  .more { display: flex; justify-content: center; padding: var(--space-3); border-top: 1px solid var(--border); }
  .tabs { display: inline-flex; border: 1px solid var(--border-strong); border-radius: var(--radius); padding: 2px; gap: 2px; background: var(--surface); }
  .tab { all: unset; cursor: pointer; font-size: var(--text-xs); font-weight: 550; padding: 5px 12px; border-radius: 6px; color: var(--text-muted); }
  .tab[aria-pressed='true'] { background: var(--bg-muted); color: var(--text); }
  .tab:focus-visible { outline: 2px solid var(--focus); }
  .inline-label { display: inline-flex; gap: 8px; align-items: center; font-size: var(--text-sm); color: var(--text-muted); font-weight: 550; }
  .inline-label select, .inline-label input { height: 30px; }
  .error { color: var(--red); font-size: var(--text-xs); font-weight: 500; }
  .tiny { font-size: 11px; }
  /* A panel's event feed: a badge column (--feed-badge wide), what happened, and the row's action or age. */
  .feed { list-style: none; margin: 0; padding: 0; }
  .feed li { display: grid; grid-template-columns: var(--feed-badge, 84px) minmax(0, 1fr) auto; gap: var(--space-3); align-items: start; padding: var(--space-3) var(--space-5); border-bottom: 1px solid var(--border); font-size: var(--text-sm); }
  .feed li:last-child { border-bottom: 0; }
  .feed .what { min-width: 0; overflow-wrap: anywhere; }
  .sk { height: 160px; }
`;
