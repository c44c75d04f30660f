// Shared component styles: every Lit component adopts `base` (one constructed stylesheet, shared, so
// no inline styles and nothing for the CSP to allow). Values come from the tokens in global.css.
import { css } from 'lit';

export const base = css`
  :host { display: block; }
  :host([hidden]) { display: none; }
  *, *::before, *::after { box-sizing: border-box; }
  h1, h2, h3, h4, p { margin: 0; }
  h1 { font-size: var(--text-xl); font-weight: 650; letter-spacing: -0.02em; line-height: 1.2; }
  h2 { font-size: var(--text-lg); font-weight: 620; letter-spacing: -0.01em; line-height: 1.3; }
  h3 { font-size: var(--text-base); font-weight: 600; }
  a { color: var(--accent); text-decoration: none; }
  a:hover { text-decoration: underline; text-underline-offset: 2px; }
  :focus-visible { outline: 2px solid var(--focus); outline-offset: 2px; border-radius: 4px; }
  .muted { color: var(--text-muted); }
  .faint { color: var(--text-faint); }
  .num { font-variant-numeric: tabular-nums; font-feature-settings: 'tnum'; }
  .mono { font-family: var(--font-mono); font-size: 0.92em; }
  .sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }

  .page { max-width: var(--page-max); margin: 0 auto; padding: var(--space-6) var(--space-5) var(--space-8); }
  @media (max-width: 640px) { .page { padding: var(--space-5) var(--space-4) var(--space-7); } }
  .page-head { display: flex; align-items: flex-end; justify-content: space-between; gap: var(--space-4); flex-wrap: wrap; margin-bottom: var(--space-5); }
  .page-head p { color: var(--text-muted); margin-top: var(--space-1); }
  .row { display: flex; align-items: center; gap: var(--space-2); flex-wrap: wrap; }
  .stack { display: flex; flex-direction: column; gap: var(--space-4); }
  .grid { display: grid; gap: var(--space-4); }

  .card { background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius-lg); }
  .card-pad { padding: var(--space-5); }
  @media (max-width: 640px) { .card-pad { padding: var(--space-4); } }
  .card-head { display: flex; align-items: center; justify-content: space-between; gap: var(--space-3); padding: var(--space-4) var(--space-5); border-bottom: 1px solid var(--border); flex-wrap: wrap; }
  .card-head a { white-space: nowrap; }
  .label { font-size: var(--text-xs); font-weight: 550; color: var(--text-muted); text-transform: uppercase; letter-spacing: 0.06em; }
  .stat { font-size: var(--text-xl); font-weight: 620; letter-spacing: -0.02em; font-variant-numeric: tabular-nums; }

  .btn {
    display: inline-flex; align-items: center; justify-content: center; gap: 6px;
    height: 34px; padding: 0 14px; border-radius: var(--radius); border: 1px solid var(--border-strong);
    background: var(--surface); color: var(--text); font: inherit; font-size: var(--text-sm); font-weight: 550;
    cursor: pointer; white-space: nowrap; text-decoration: none; transition: background 120ms, border-color 120ms;
  }
  .btn:hover { background: var(--bg-hover); text-decoration: none; }
  .btn:disabled, .btn[aria-disabled='true'] { opacity: 0.55; cursor: not-allowed; }
  .btn-primary { background: var(--accent); border-color: var(--accent); color: var(--accent-text); }
  .btn-primary:hover { background: var(--accent-strong); border-color: var(--accent-strong); }
  .btn-danger { color: var(--red); }
  .btn-danger:hover { background: var(--red-soft); }
  .btn-ghost { border-color: transparent; background: transparent; }
  .btn-sm { height: 28px; padding: 0 10px; font-size: var(--text-xs); }
  .btn-lg { height: 42px; padding: 0 20px; font-size: var(--text-base); }

  label.field, .field { display: flex; flex-direction: column; gap: 6px; font-size: var(--text-sm); font-weight: 550; }
  .field .hint { font-weight: 400; color: var(--text-muted); font-size: var(--text-xs); }
  .field .error { font-weight: 500; color: var(--red); font-size: var(--text-xs); }
  input, select, textarea {
    font: inherit; font-size: var(--text-sm); color: var(--text); background: var(--surface);
    border: 1px solid var(--border-strong); border-radius: var(--radius); padding: 0 10px; height: 34px; min-width: 0;
  }
  textarea { height: auto; padding: 8px 10px; resize: vertical; font-family: var(--font-mono); font-size: var(--text-xs); }
  input::placeholder, textarea::placeholder { color: var(--text-faint); }
  input:focus-visible, select:focus-visible, textarea:focus-visible { outline: 2px solid var(--focus); outline-offset: 0; border-color: transparent; }
  input[aria-invalid='true'] { border-color: var(--red); }
  input[type='checkbox'] { height: 16px; width: 16px; accent-color: var(--accent); }

  .badge {
    display: inline-flex; align-items: center; gap: 5px; height: 22px; padding: 0 8px; border-radius: 999px;
    font-size: var(--text-xs); font-weight: 550; background: var(--bg-muted); color: var(--text-muted); white-space: nowrap;
  }
  .badge::before { content: ''; width: 6px; height: 6px; border-radius: 50%; background: currentColor; }
  .badge.plain::before { display: none; }
  .badge.green { background: var(--green-soft); color: var(--green); }
  .badge.red { background: var(--red-soft); color: var(--red); }
  .badge.amber { background: var(--amber-soft); color: var(--amber); }
  .badge.blue { background: var(--blue-soft); color: var(--blue); }
  .badge.accent { background: var(--accent-soft); color: var(--accent); }

  table.data { width: 100%; border-collapse: separate; border-spacing: 0; font-size: var(--text-sm); }
  table.data th {
    text-align: left; font-weight: 550; font-size: var(--text-xs); color: var(--text-muted); padding: 0 var(--space-3);
    height: 36px; border-bottom: 1px solid var(--border); white-space: nowrap; background: var(--bg-subtle);
  }
  table.data td { padding: 0 var(--space-3); height: 40px; border-bottom: 1px solid var(--border); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  table.data tr:last-child td { border-bottom: 0; }
  table.data tbody tr:hover td { background: var(--bg-hover); }
  table.data .r { text-align: right; }
  /* A visually hidden header label is absolutely positioned: its cell must hold it, or it widens the page on phones. */
  table.data th { position: relative; }

  .crumbs { display: flex; gap: 8px; font-size: var(--text-sm); color: var(--text-muted); margin-bottom: var(--space-3); }
  .crumbs a { color: var(--text-muted); }

  .skeleton { background: linear-gradient(90deg, var(--bg-muted), var(--bg-hover), var(--bg-muted)); background-size: 200% 100%; animation: shimmer 1.4s infinite; border-radius: var(--radius-sm); }
  @keyframes shimmer { from { background-position: 200% 0; } to { background-position: -200% 0; } }

  .notice { padding: var(--space-3) var(--space-4); border-radius: var(--radius); font-size: var(--text-sm); background: var(--bg-muted); }
  .notice.error { background: var(--red-soft); color: var(--red); }
  .notice.ok { background: var(--green-soft); color: var(--green); }
  .notice.warn { background: var(--amber-soft); color: var(--amber); }
`;
