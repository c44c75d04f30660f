// The few icons the app draws, as inline SVG templates (no icon font, nothing for the CSP to allow).
import { svg } from 'lit';

const icon = (body: ReturnType<typeof svg>) =>
  svg`<svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">${body}</svg>`;

export const sunIcon = icon(svg`<circle cx="12" cy="12" r="4"/><path d="M12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4"/>`);
export const moonIcon = icon(svg`<path d="M21 12.8A9 9 0 1 1 11.2 3a7 7 0 0 0 9.8 9.8z"/>`);
export const menuIcon = icon(svg`<path d="M4 6h16M4 12h16M4 18h16"/>`);
export const arrowUp = icon(svg`<path d="M12 19V5M5 12l7-7 7 7"/>`);
export const arrowDown = icon(svg`<path d="M12 5v14M19 12l-7 7-7-7"/>`);
export const chevronRight = icon(svg`<path d="M9 18l6-6-6-6"/>`);
export const logoMark = svg`<svg width="22" height="22" viewBox="0 0 32 32" aria-hidden="true"><rect width="32" height="32" rx="7" fill="var(--accent)"/><path d="M9 11h14v10H9z" fill="none" stroke="var(--accent-text)" stroke-width="2.2" stroke-linejoin="round"/><path d="M13 8v3m6-3v3m-6 10v3m6-3v3" stroke="var(--accent-text)" stroke-width="2.2" stroke-linecap="round"/></svg>`;
