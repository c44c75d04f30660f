// Styles shared by the dashboard sections.
import { css } from 'lit';

export const sectionStyles = css`
  .section { display: flex; flex-direction: column; gap: var(--space-4); }
  .toolbar { display: flex; justify-content: space-between; align-items: center; gap: var(--space-3); flex-wrap: wrap; }
  .table-wrap { overflow-x: auto; }
  .more { display: flex; justify-content: center; padding: var(--space-3); border-top: 1px solid var(--border); }
  .small { font-size: var(--text-xs); }
  .end { justify-content: flex-end; }
  form.inline { display: flex; gap: var(--space-3); align-items: flex-end; flex-wrap: wrap; }
  form.inline .field { flex: 1 1 160px; }
  dialog { border: 1px solid var(--border); border-radius: var(--radius-lg); background: var(--surface); color: var(--text); padding: var(--space-5); width: min(440px, calc(100vw - 32px)); box-shadow: var(--shadow); }
  dialog::backdrop { background: rgb(0 0 0 / 0.45); }
  .danger { background: var(--red); border-color: var(--red); color: #fff; }
  .sk { height: 180px; }
  .inline-label { display: inline-flex; gap: 8px; align-items: center; font-size: var(--text-sm); color: var(--text-muted); font-weight: 550; }
  .inline-label select { height: 30px; }
`;

/** Opens a <dialog> in `root` and resolves whether the person confirmed (button value "yes"). */
export function confirmDialog(root: ParentNode, selector = 'dialog'): Promise<boolean> {
  const dialog = root.querySelector<HTMLDialogElement>(selector)!;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'yes'), { once: true }));
}
