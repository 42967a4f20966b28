import type { VatReturn } from '../../src/testing/index.js'

/** A VAT return with its nine boxes filled in, for the period given. */
export function vatReturn(periodKey = '#001'): VatReturn {
  return {
    periodKey,
    vatDueSales: 1000,
    vatDueAcquisitions: 0,
    totalVatDue: 1000,
    vatReclaimedCurrPeriod: 250,
    netVatDue: 750,
    totalValueSalesExVAT: 5000,
    totalValuePurchasesExVAT: 1250,
    totalValueGoodsSuppliedExVAT: 0,
    totalAcquisitionsExVAT: 0,
    finalised: true,
  }
}
