import type { VatReceipt } from './apis.js'
import { formatDay } from './format.js'

/** HMRC's answer to a submitted return, as the user keeps it. */
export function Receipt({ receipt, periodKey, onClose }: { receipt: VatReceipt; periodKey: string; onClose: () => void }) {
  return (
    <section className="banner success" role="status" aria-labelledby="receipt-title">
      <span className="banner-icon" aria-hidden="true" />
      <div className="banner-body">
        <h2 id="receipt-title">VAT return submitted</h2>
        <p>
          HMRC received your return for period <strong className="mono">{periodKey}</strong> on {formatDay(receipt.processingDate)}.
        </p>
        <dl className="receipt">
          <div>
            <dt>Form bundle number</dt>
            <dd className="mono">{receipt.formBundleNumber}</dd>
          </div>
          {receipt.chargeRefNumber && (
            <div>
              <dt>Charge reference</dt>
              <dd className="mono">{receipt.chargeRefNumber}</dd>
            </div>
          )}
          {receipt.paymentIndicator && (
            <div>
              <dt>Payment</dt>
              <dd>{receipt.paymentIndicator === 'DD' ? 'Direct Debit' : 'Repayment to your bank'}</dd>
            </div>
          )}
        </dl>
      </div>
      <button type="button" className="icon-button" onClick={onClose} aria-label="Close the receipt">
        ×
      </button>
    </section>
  )
}
