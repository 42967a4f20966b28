import { HttpResponse } from 'msw'
import type { KitRoute } from 'grantflow/testing'
import type { VatSummary } from '../app/apis.js'

/** Odoo's accounting figures for a period: deterministic per period, so the demo is repeatable. */
export function accountingRoutes(): KitRoute[] {
  return [
    {
      method: 'GET',
      path: '/account/vat-summary',
      scopes: ['read:accounting'],
      userOnly: true,
      respond: ({ query }) => {
        const from = query.get('date_from')
        const to = query.get('date_to')
        if (!from || !to) return HttpResponse.json({ error: 'invalid_request', message: 'date_from and date_to are required' }, { status: 400 })
        // A stable seed from the period, so the same quarter always has the same books.
        const seed = [...`${from}${to}`].reduce((sum, char) => (sum * 31 + char.charCodeAt(0)) % 9973, 7)
        const salesNet = 18_000 + (seed % 40) * 250
        const purchasesNet = 6_000 + (seed % 23) * 180
        const summary: VatSummary = {
          from,
          to,
          sales: { net: salesNet, vat: round(salesNet * 0.2) },
          purchases: { net: purchasesNet, vat: round(purchasesNet * 0.2) },
          euSupplies: 0,
          euAcquisitions: { net: 0, vat: 0 },
        }
        return summary
      },
    },
  ]
}

function round(value: number): number {
  return Math.round(value * 100) / 100
}
