// HMRC's VAT API as the app declares it: filing a return is the company's, one session for
// everyone acting for it.
import { defineApi, defineEndpoint, hmrc, shape } from 'grantflow'

/** The nine boxes of a VAT return, as HMRC's API takes them. */
export interface VatReturn {
  periodKey: string
  vatDueSales: number
  vatDueAcquisitions: number
  totalVatDue: number
  vatReclaimedCurrPeriod: number
  netVatDue: number
  totalValueSalesExVAT: number
  totalValuePurchasesExVAT: number
  totalValueGoodsSuppliedExVAT: number
  totalAcquisitionsExVAT: number
  finalised: boolean
}

export const vat = defineApi({
  id: 'vat',
  name: 'VAT (Making Tax Digital)',
  provider: hmrc,
  endpoints: {
    submitReturn: defineEndpoint({
      method: 'POST',
      path: '/organisations/vat/{vrn}/returns',
      scopes: ['write:vat'],
      apiUser: 'company',
      body: shape<VatReturn>(),
      result: shape<{ processingDate: string; formBundleNumber: string }>(),
    }),
  },
})

const AMOUNTS = [
  'vatDueSales',
  'vatDueAcquisitions',
  'totalVatDue',
  'vatReclaimedCurrPeriod',
  'netVatDue',
  'totalValueSalesExVAT',
  'totalValuePurchasesExVAT',
  'totalValueGoodsSuppliedExVAT',
  'totalAcquisitionsExVAT',
] as const

/** The return a form posted (its fields named as the boxes), or undefined if a box is missing or not a number. */
export function readVatReturn(form: FormData): VatReturn | undefined {
  const periodKey = form.get('periodKey')
  if (typeof periodKey !== 'string' || periodKey === '') return undefined
  const amounts: Partial<Record<(typeof AMOUNTS)[number], number>> = {}
  for (const box of AMOUNTS) {
    const value = form.get(box)
    if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(Number(value))) return undefined
    amounts[box] = Number(value)
  }
  return { periodKey, ...(amounts as Record<(typeof AMOUNTS)[number], number>), finalised: form.get('finalised') === 'on' }
}
