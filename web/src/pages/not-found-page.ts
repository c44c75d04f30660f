// Any path the app does not know.
import { html, LitElement } from 'lit';
import { base } from '../components/styles';
import { emptyState, statesStyles } from '../components/ui';

export class NotFoundPage extends LitElement {
  static override styles = [base, statesStyles];
  override render() {
    return html`<div class="page">${emptyState('Page not found', `Nothing lives at ${location.pathname}.`, html`<a class="btn" href="/">Go home</a>`)}</div>`;
  }
}

customElements.define('not-found-page', NotFoundPage);
