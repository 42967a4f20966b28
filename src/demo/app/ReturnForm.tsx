import { useEffect, useId, useRef, useState, type FormEvent } from 'react'
import { AuthorizationWizard, useCall } from '../../react/index.js'
import { accounting, CALL_LABELS, COMPANY, SCOPE_WORDS, vat, type VatObligation, type VatReceipt, type VatReturn, type VatSummary } from './apis.js'
import { formatDay, formatMoney, formatPeriod } from './format.js'

type BoxName =
  | 'vatDueSales'
  | 'vatDueAcquisitions'
  | 'vatReclaimedCurrPeriod'
  | 'totalValueSalesExVAT'
  | 'totalValuePurchasesExVAT'
  | 'totalValueGoodsSuppliedExVAT'
  | 'totalAcquisitionsExVAT'

const BOXES: Array<{ box: number; name: BoxName | 'totalVatDue' | 'netVatDue'; label: string }> = [
  { box: 1, name: 'vatDueSales', label: 'VAT due on sales and other outputs' },
  { box: 2, name: 'vatDueAcquisitions', label: 'VAT due on acquisitions from EU member states' },
  { box: 3, name: 'totalVatDue', label: 'Total VAT due (boxes 1 + 2)' },
  { box: 4, name: 'vatReclaimedCurrPeriod', label: 'VAT reclaimed on purchases and other inputs' },
  { box: 5, name: 'netVatDue', label: 'Net VAT to pay to HMRC or reclaim (box 3 − box 4)' },
  { box: 6, name: 'totalValueSalesExVAT', label: 'Total value of sales, excluding VAT' },
  { box: 7, name: 'totalValuePurchasesExVAT', label: 'Total value of purchases, excluding VAT' },
  { box: 8, name: 'totalValueGoodsSuppliedExVAT', label: 'Total value of supplies to EU member states, excluding VAT' },
  { box: 9, name: 'totalAcquisitionsExVAT', label: 'Total value of acquisitions from EU member states, excluding VAT' },
]

const SAMPLE: Record<BoxName, string> = {
  vatDueSales: '3600.00',
  vatDueAcquisitions: '0.00',
  vatReclaimedCurrPeriod: '1240.00',
  totalValueSalesExVAT: '18000',
  totalValuePurchasesExVAT: '6200',
  totalValueGoodsSuppliedExVAT: '0',
  totalAcquisitionsExVAT: '0',
}

const amount = (text: string) => Math.round((Number.parseFloat(text) || 0) * 100) / 100

/** The boxes an Odoo VAT summary fills in. */
export function boxesFromSummary(summary: VatSummary): Record<BoxName, string> {
  return {
    vatDueSales: summary.sales.vat.toFixed(2),
    vatDueAcquisitions: summary.euAcquisitions.vat.toFixed(2),
    vatReclaimedCurrPeriod: summary.purchases.vat.toFixed(2),
    totalValueSalesExVAT: String(Math.round(summary.sales.net)),
    totalValuePurchasesExVAT: String(Math.round(summary.purchases.net)),
    totalValueGoodsSuppliedExVAT: String(Math.round(summary.euSupplies)),
    totalAcquisitionsExVAT: String(Math.round(summary.euAcquisitions.net)),
  }
}

export interface ReturnFormProps {
  period: VatObligation | undefined
  onPeriodChange: (periodKey: string) => void
  /** Figures imported on an earlier page (after a redirect to Odoo and back). */
  imported: VatSummary | undefined
  onSubmitted: (receipt: VatReceipt, periodKey: string) => void
}

/** The nine-box VAT return (POST); with "Fill in from Odoo" (another provider, another consent). */
export function ReturnForm({ period, onPeriodChange, imported, onSubmitted }: ReturnFormProps) {
  const submit = useCall(vat, 'submitReturn')
  const fill = useCall(accounting, 'vatSummary')
  const [boxes, setBoxes] = useState<Record<BoxName, string>>(() => (imported ? boxesFromSummary(imported) : SAMPLE))
  const [periodKey, setPeriodKey] = useState(period?.periodKey ?? '#001')
  const [declared, setDeclared] = useState(false)
  const id = useId()

  useEffect(() => {
    if (period) setPeriodKey(period.periodKey)
  }, [period])
  useEffect(() => {
    if (fill.result) setBoxes(boxesFromSummary(fill.result))
  }, [fill.result])
  // Each receipt is reported once, with the period it was filed for.
  const reported = useRef<unknown>(undefined)
  useEffect(() => {
    if (submit.status !== 'succeeded' || !submit.result || reported.current === submit.result) return
    reported.current = submit.result
    onSubmitted(submit.result, periodKey)
  })

  const totalVatDue = amount(boxes.vatDueSales) + amount(boxes.vatDueAcquisitions)
  const netVatDue = Math.abs(totalVatDue - amount(boxes.vatReclaimedCurrPeriod))
  const busy = !['idle', 'succeeded', 'failed', 'cancelled'].includes(submit.status)

  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    const vatReturn: VatReturn = {
      periodKey,
      vatDueSales: amount(boxes.vatDueSales),
      vatDueAcquisitions: amount(boxes.vatDueAcquisitions),
      totalVatDue: Math.round(totalVatDue * 100) / 100,
      vatReclaimedCurrPeriod: amount(boxes.vatReclaimedCurrPeriod),
      netVatDue: Math.round(netVatDue * 100) / 100,
      totalValueSalesExVAT: Math.round(amount(boxes.totalValueSalesExVAT)),
      totalValuePurchasesExVAT: Math.round(amount(boxes.totalValuePurchasesExVAT)),
      totalValueGoodsSuppliedExVAT: Math.round(amount(boxes.totalValueGoodsSuppliedExVAT)),
      totalAcquisitionsExVAT: Math.round(amount(boxes.totalAcquisitionsExVAT)),
      finalised: declared,
    }
    void submit.call({ vrn: COMPANY.vrn }, vatReturn)
  }

  const quarter = period ?? { start: '2025-10-01', end: '2025-12-31' }
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <header className="card-header">
        <div>
          <h2 id={`${id}-title`}>Submit a VAT return</h2>
          <p className="muted">
            {period ? `${formatPeriod(period.start, period.end)}, due ${formatDay(period.due)}` : 'Pick the period from your obligations, or type its key.'}
          </p>
        </div>
        <button
          type="button"
          className="button secondary with-logo"
          onClick={() => void fill.call({ date_from: quarter.start, date_to: quarter.end })}
          disabled={!['idle', 'succeeded', 'failed', 'cancelled'].includes(fill.status)}
        >
          <span className="odoo-mark" aria-hidden="true" />
          Fill in from Odoo
        </button>
      </header>
      <form className="return-form" onSubmit={onSubmit}>
        <label className="field period-field">
          <span>Period key</span>
          <input
            value={periodKey}
            onChange={(event) => {
              setPeriodKey(event.target.value)
              onPeriodChange(event.target.value)
            }}
            maxLength={4}
            required
            className="mono"
          />
        </label>
        <ol className="boxes">
          {BOXES.map(({ box, name, label }) => {
            const computed = name === 'totalVatDue' ? totalVatDue : name === 'netVatDue' ? netVatDue : undefined
            return (
              <li key={name} className={computed === undefined ? 'box' : 'box computed'}>
                <span className="box-number" aria-hidden="true">
                  {box}
                </span>
                <label htmlFor={`${id}-${name}`}>
                  <span className="visually-hidden">Box {box}: </span>
                  {label}
                </label>
                {computed === undefined ? (
                  <span className="money-input">
                    <span aria-hidden="true">£</span>
                    <input
                      id={`${id}-${name}`}
                      inputMode="decimal"
                      value={boxes[name as BoxName]}
                      onChange={(event) => setBoxes((b) => ({ ...b, [name]: event.target.value }))}
                      pattern="-?[0-9]+(\.[0-9]{1,2})?"
                      required
                    />
                  </span>
                ) : (
                  <output id={`${id}-${name}`} className="money-output">
                    {formatMoney(computed)}
                  </output>
                )}
              </li>
            )
          })}
        </ol>
        <label className="declaration">
          <input type="checkbox" checked={declared} onChange={(event) => setDeclared(event.target.checked)} />
          <span>When I submit this VAT return, I confirm the information is true and complete. A false declaration can result in prosecution.</span>
        </label>
        <div className="form-actions">
          <button type="submit" className="button primary" disabled={!declared || busy}>
            {busy ? 'Submitting…' : 'Submit return'}
          </button>
          <AuthorizationWizard wizard={submit.wizard} appName="Ledgerline" callLabel={CALL_LABELS.submitReturn} scopeDescriptions={SCOPE_WORDS} />
        </div>
      </form>
      <AuthorizationWizard wizard={fill.wizard} appName="Ledgerline" callLabel={CALL_LABELS.vatSummary} scopeDescriptions={SCOPE_WORDS} />
    </section>
  )
}
