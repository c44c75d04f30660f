// Dashboard › Invoices (/app/invoices, /app/invoices/inv_…): this month's draft (built from the ledger
// on each request), the issued monthly invoices, and one invoice with its lines and totals, printable
// from the browser or downloaded as the API's self-contained HTML page.
import { css, html, LitElement, nothing } from 'lit';
import { base } from '../../components/styles';
import { emptyState, errorState, loadingRows, loadMoreButton, messageOf, statesStyles, toast } from '../../components/ui';
import { ApiError } from '../../lib/api';
import { ledgerKindLabel } from '../../lib/billing';
import { formatCost, formatDate, formatHours, formatPrice } from '../../lib/format';
import { PagedList } from '../../lib/paged-list';
import { api, cachedGet } from '../../lib/session';
import type { Invoice, InvoiceSummary } from '../../lib/types';
import { sectionStyles } from './section-styles';

const monthOf = (iso: string) => new Date(iso).toLocaleString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });

export class InvoicesSection extends LitElement {
  static override properties = {
    sub: { attribute: false },
    upcoming: { state: true },
    upcomingError: { state: true },
    invoice: { state: true },
    invoiceError: { state: true },
  };
  declare sub: string;
  declare upcoming: Invoice | null;
  declare upcomingError: unknown;
  declare invoice: Invoice | null;
  declare invoiceError: unknown;
  /** Loaded when the list is first shown, not when one invoice is opened directly. */
  private readonly issued = new PagedList<InvoiceSummary>(this, api, '/v1/billing/invoices', () => ({ limit: 24 }), false);

  constructor() {
    super();
    this.sub = '';
    this.upcoming = null;
    this.upcomingError = null;
    this.invoice = null;
    this.invoiceError = null;
  }

  override willUpdate(changed: Map<string, unknown>) {
    if (!changed.has('sub')) return;
    if (this.sub) void this.loadInvoice(this.sub);
    else {
      this.invoice = null;
      if (!this.upcoming) void this.loadUpcoming();
      this.issued.ensureLoaded();
    }
  }

  private async loadUpcoming() {
    this.upcomingError = null;
    try {
      this.upcoming = await cachedGet<Invoice>('/v1/billing/invoices/upcoming');
    } catch (err) {
      this.upcomingError = err;
    }
  }

  private async loadInvoice(id: string) {
    this.invoice = null;
    this.invoiceError = null;
    try {
      this.invoice = await api.get<Invoice>(`/v1/billing/invoices/${encodeURIComponent(id)}`);
    } catch (err) {
      this.invoiceError = err;
    }
  }

  /** The API's printable page needs the bearer token, so it is fetched here and saved as a file. */
  private async download(inv: Invoice) {
    try {
      const blob = await api.get<Blob>(`/v1/billing/invoices/${inv.id}/html`, { query: { download: '1' }, as: 'blob' });
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `gpubroker-invoice-${inv.periodStart.slice(0, 7)}.html`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      toast(messageOf(err), 'error');
    }
  }

  private renderLines(inv: Invoice) {
    if (inv.lines.length === 0) return html`<p class="muted small pad">Nothing posted in this period yet: credit purchases, GPU usage and plan fees appear here as they happen.</p>`;
    return html`<div class="table-wrap"><table class="data lines">
      <thead><tr><th>Description</th><th>Kind</th><th class="r">Hours</th><th class="r">Unit price</th><th class="r">Amount</th></tr></thead>
      <tbody>${inv.lines.map((l) => html`<tr data-kind=${l.kind}>
        <td class="desc">${l.description}${l.deploymentId ? html` <a class="faint" href="/deployments/${l.deploymentId}">${l.deploymentId}</a>` : nothing}</td>
        <td class="muted">${ledgerKindLabel(l.kind)}</td>
        <td class="r num muted">${l.hours === null ? '' : formatHours(l.hours)}</td>
        <td class="r num muted">${l.unitPriceUsd === null ? '' : `${formatPrice(l.unitPriceUsd)}/h`}</td>
        <td class="r num strong ${l.amountUsd < 0 ? 'credit' : ''}">${l.amountUsd < 0 ? `−${formatCost(-l.amountUsd)}` : formatCost(l.amountUsd)}</td></tr>`)}</tbody>
    </table></div>`;
  }

  private renderTotals(inv: InvoiceSummary) {
    return html`<dl class="totals" data-testid="totals">
      <div><dt>Opening balance</dt><dd class="num">${formatCost(inv.openingBalanceUsd)}</dd></div>
      <div><dt>Charges</dt><dd class="num" data-testid="charges">${formatCost(inv.chargesUsd)}</dd></div>
      <div><dt>Payments</dt><dd class="num" data-testid="payments">${formatCost(inv.paymentsUsd)}</dd></div>
      <div class="close"><dt>Closing balance</dt><dd class="num" data-testid="closing">${formatCost(inv.closingBalanceUsd)}</dd></div>
    </dl>`;
  }

  private renderInvoice(inv: Invoice, draft: boolean) {
    return html`<section class="card invoice" aria-labelledby="inv-${inv.id ?? 'draft'}" data-invoice=${inv.id ?? 'upcoming'}>
      <div class="card-head">
        <div><h2 id="inv-${inv.id ?? 'draft'}">${monthOf(inv.periodStart)}</h2>
          <span class="faint small">${draft ? 'In progress: a draft built from the ledger, issued early next month' : `Issued ${formatDate(inv.issuedAt)} · ${inv.id}`}</span></div>
        <div class="row">${draft ? html`<span class="badge amber">draft</span>
          <button class="btn btn-sm" type="button" @click=${() => window.print()}>Print</button>` : html`<span class="badge green">issued</span>
          <button class="btn btn-sm" type="button" @click=${() => window.print()}>Print</button>
          <button class="btn btn-sm" type="button" @click=${() => this.download(inv)}>Download HTML</button>`}</div>
      </div>
      <div class="inv-body">${this.renderTotals(inv)}${this.renderLines(inv)}</div>
    </section>`;
  }

  private renderDetail() {
    if (this.invoiceError) {
      const missing = this.invoiceError instanceof ApiError && (this.invoiceError.status === 404 || this.invoiceError.status === 400);
      return html`<p class="back"><a href="/app/invoices">← All invoices</a></p>${missing
        ? emptyState('No such invoice', 'It is not one of your organization’s invoices.', html`<a class="btn" href="/app/invoices">All invoices</a>`)
        : errorState(this.invoiceError, () => void this.loadInvoice(this.sub))}`;
    }
    return html`<p class="back"><a href="/app/invoices">← All invoices</a></p>
      ${this.invoice ? this.renderInvoice(this.invoice, false) : html`<div class="skeleton sk"></div>`}`;
  }

  override render() {
    if (this.sub) return html`<div class="section">${this.renderDetail()}</div>`;
    return html`<div class="section">
      ${this.upcomingError
        ? errorState(this.upcomingError, () => void this.loadUpcoming())
        : this.upcoming
          ? this.renderInvoice(this.upcoming, true)
          : html`<div class="skeleton sk"></div>`}
      <section class="card issued" aria-labelledby="issued-title">
        <div class="card-head"><h2 id="issued-title">Issued invoices</h2><span class="faint small">One per month with activity, issued on the 1st</span></div>
        ${this.issued.error ? html`<div class="card-pad">${errorState(this.issued.error, () => void this.issued.retry())}</div>` : nothing}
        ${this.issued.rows && this.issued.rows.length === 0
          ? emptyState('No invoices issued yet', 'Your first invoice is issued at the start of next month, from this month’s ledger.')
          : html`<div class="table-wrap"><table class="data">
              <thead><tr><th>Period</th><th>Issued</th><th class="r">Charges</th><th class="r">Payments</th><th class="r">Closing balance</th><th><span class="sr-only">Actions</span></th></tr></thead>
              <tbody>${this.issued.rows
                ? this.issued.rows.map((i) => html`<tr data-invoice=${i.id}><td><a href="/app/invoices/${i.id}">${monthOf(i.periodStart)}</a></td><td class="muted num">${formatDate(i.issuedAt)}</td>
                    <td class="r num">${formatCost(i.chargesUsd)}</td><td class="r num">${formatCost(i.paymentsUsd)}</td><td class="r num strong">${formatCost(i.closingBalanceUsd)}</td>
                    <td class="r"><a class="btn btn-sm" href="/app/invoices/${i.id}">View</a></td></tr>`)
                : loadingRows(2, 6)}</tbody></table></div>
            ${loadMoreButton(this.issued)}`}
      </section>
    </div>`;
  }

  static override styles = [
    base,
    statesStyles,
    sectionStyles,
    css`
      .invoice .card-head h2 { margin-bottom: 2px; }
      .inv-body { display: grid; grid-template-columns: 260px minmax(0, 1fr); align-items: start; }
      @media (max-width: 900px) { .inv-body { grid-template-columns: minmax(0, 1fr); } }
      .totals { margin: 0; padding: var(--space-4) var(--space-5); display: flex; flex-direction: column; gap: 10px; font-size: var(--text-sm); border-right: 1px solid var(--border); height: 100%; }
      @media (max-width: 900px) { .totals { border-right: 0; border-bottom: 1px solid var(--border); } }
      .totals div { display: flex; justify-content: space-between; gap: var(--space-3); }
      .totals dt { color: var(--text-muted); }
      .totals dd { margin: 0; font-weight: 600; }
      .totals .close { border-top: 1px solid var(--border); padding-top: 10px; }
      .totals .close dt { color: var(--text); font-weight: 600; }
      td.desc { white-space: normal; min-width: 220px; }
      .lines td { height: auto; padding-top: 10px; padding-bottom: 10px; }
      .credit { color: var(--green); }
      .strong { font-weight: 600; }
      .pad { padding: var(--space-5); }
      .back { font-size: var(--text-sm); }
      @media print { .row .btn, .back, .issued { display: none; } .card { border: 0; } }
    `,
  ];
}

customElements.define('app-invoices', InvoicesSection);
