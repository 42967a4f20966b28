import { useEffect, useState } from 'react'
import { showFlash, useFlash } from './flash.js'
import { COMPANY, type VatObligation, type VatReceipt, type VatSummary } from './apis.js'
import { formatVrn } from './format.js'
import { providerName, type VatEnvironment } from '../providers.js'
import { ObligationsCard } from './ObligationsCard.js'
import { Receipt } from './Receipt.js'
import { ReturnForm } from './ReturnForm.js'

/** The app's main page: obligations (GET) and the return form (POST). */
export function ReturnsPage({ environment }: { environment: VatEnvironment }) {
  // A notice is shown once: kept by this page, cleared for the next.
  const current = useFlash()
  const [flash, setFlash] = useState(current)
  useEffect(() => showFlash(undefined), [])
  // What the callback page brought back after a redirect: a receipt, or figures from Odoo.
  const [receipt, setReceipt] = useState<{ receipt: VatReceipt; periodKey: string } | undefined>(() =>
    flash?.endpoint === 'submitReturn' ? (flash.result as { receipt: VatReceipt; periodKey: string }) : undefined,
  )
  const [imported] = useState(() => (flash?.endpoint === 'vatSummary' ? (flash.result as VatSummary) : undefined))
  const [period, setPeriod] = useState<VatObligation>()
  const [refreshKey, setRefreshKey] = useState(0)

  return (
    <>
      <div className="page-header">
        <div>
          <p className="eyebrow">
            {COMPANY.name} · VRN {formatVrn(COMPANY.vrn)}
          </p>
          <h1>VAT returns</h1>
        </div>
        <span className={`env-badge is-${environment}`}>{providerName(environment)}</span>
      </div>
      {flash && flash.endpoint !== 'submitReturn' && (
        <section className={`banner ${flash.tone}`} role="status">
          <span className="banner-icon" aria-hidden="true" />
          <div className="banner-body">
            <h2>{flash.title}</h2>
            {flash.detail && <p>{flash.detail}</p>}
          </div>
          <button type="button" className="icon-button" onClick={() => setFlash(undefined)} aria-label="Close the message">
            ×
          </button>
        </section>
      )}
      {receipt && <Receipt {...receipt} onClose={() => setReceipt(undefined)} />}
      <ObligationsCard onFile={setPeriod} refreshKey={refreshKey} />
      <ReturnForm
        period={period}
        onPeriodChange={(key) => setPeriod((p) => (p?.periodKey === key ? p : undefined))}
        imported={imported}
        onSubmitted={(r, periodKey) => {
          setReceipt({ receipt: r, periodKey })
          setRefreshKey((k) => k + 1)
          scrollTo({ top: 0, behavior: 'smooth' })
        }}
      />
    </>
  )
}
