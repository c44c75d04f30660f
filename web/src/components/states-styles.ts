// Styles of the shared loading, empty and error states (ui.ts).
import { css } from 'lit';

export const statesStyles = css`
  .empty { display: flex; flex-direction: column; align-items: center; text-align: center; gap: var(--space-2); padding: var(--space-7) var(--space-4); }
  .empty p { max-width: 44ch; font-size: var(--text-sm); }
  .empty .btn { margin-top: var(--space-3); }
  .empty-icon { width: 40px; height: 40px; border-radius: 10px; border: 1px dashed var(--border-strong); background: var(--bg-subtle); margin-bottom: var(--space-2); }
  .sk-line { height: 12px; width: 70%; }
`;
