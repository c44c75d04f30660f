// The printable invoice: one self-contained HTML page (inline print stylesheet, no scripts, nothing
// fetched), every value escaped. Amounts are shown to the cent and, where a cent would hide money,
// to the micro-dollar, so the page reconciles with the ledger exactly.
import type { Invoice } from './invoices';

const escape = (s: string) => s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

/** Micro-dollars as USD: two decimals when exact to the cent, else all six. */
export function formatUsd(micro: number): string {
  const sign = micro < 0 ? '−' : '';
  const abs = Math.abs(micro);
  const dollars = Math.floor(abs / 1e6).toLocaleString('en-US');
  const fraction = String(abs % 1e6).padStart(6, '0');
  return `${sign}$${dollars}.${fraction.endsWith('0000') ? fraction.slice(0, 2) : fraction}`;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const month = (ms: number) => new Date(ms).toLocaleString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });

export const INVOICE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function renderInvoiceHtml(inv: Invoice, tenantName: string): string {
  const rows = inv.lines
    .map(
      (l) => `<tr><td>${escape(l.description)}</td><td>${escape(l.kind.replace(/_/g, ' '))}</td>` +
        `<td class="n">${l.quantityMs === null ? '' : (l.quantityMs / 3_600_000).toFixed(4)}</td>` +
        `<td class="n">${l.unitPriceMicro === null ? '' : escape(formatUsd(l.unitPriceMicro))}</td>` +
        `<td class="n">${escape(formatUsd(l.amountMicro))}</td></tr>`,
    )
    .join('\n');
  const totals = Object.entries(inv.totals)
    .map(([kind, micro]) => `<tr><td>${escape(kind.replace(/_/g, ' '))}</td><td class="n">${escape(formatUsd(micro))}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Invoice ${escape(inv.id ?? 'draft')} — ${escape(month(inv.periodStart))}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;color:#111;margin:2rem auto;max-width:60rem;padding:0 1rem}
h1{font-size:1.4rem;margin:0 0 .25rem}.meta{color:#555;margin-bottom:1.5rem}
table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.sum{width:auto;margin-left:auto}.sum td{border:none}.sum tr.total td{border-top:2px solid #111;font-weight:600}
@media print{body{margin:0;max-width:none;font-size:11pt}th{background:none}a{color:inherit;text-decoration:none}tr{break-inside:avoid}}
</style></head>
<body>
<h1>GPUBroker invoice</h1>
<div class="meta">${escape(tenantName)} · ${escape(inv.tenantId)}<br>
Invoice ${escape(inv.id ?? '(draft, not issued)')} · ${escape(month(inv.periodStart))} (${day(inv.periodStart)} to ${day(inv.periodEnd - 1)}, UTC)${inv.issuedAt === null ? '' : ` · issued ${day(inv.issuedAt)}`}</div>
<table><thead><tr><th>Item</th><th>Kind</th><th class="n">Hours</th><th class="n">Unit price / h (incl. margin)</th><th class="n">Amount (USD)</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="5">No activity.</td></tr>'}
</tbody></table>
<table class="sum"><tbody>
${totals}
<tr><td>Opening credit balance</td><td class="n">${escape(formatUsd(inv.openingBalanceMicro))}</td></tr>
<tr><td>Charges</td><td class="n">${escape(formatUsd(inv.chargesMicro))}</td></tr>
<tr><td>Payments</td><td class="n">${escape(formatUsd(inv.paymentsMicro))}</td></tr>
<tr class="total"><td>Closing credit balance</td><td class="n">${escape(formatUsd(inv.closingBalanceMicro))}</td></tr>
</tbody></table>
<p class="meta">Prepaid credit: charges were drawn from the balance as they occurred; nothing is due. Amounts are exact to the micro-dollar.</p>
</body></html>`;
}
