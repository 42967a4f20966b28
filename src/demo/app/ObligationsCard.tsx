import { useEffect, useRef } from 'react'
import { AuthorizationWizard, useCall, useSession } from '../../react/index.js'
import { CALL_LABELS, COMPANY, SCOPE_WORDS, vat, type VatObligation } from './apis.js'
import { formatDay, formatPeriod } from './format.js'

const YEAR = { from: '2025-01-01', to: '2025-12-31' }

/** The periods HMRC expects returns for (GET), loaded by itself once VAT information may be read. */
export function ObligationsCard({ onFile, refreshKey }: { onFile: (obligation: VatObligation) => void; refreshKey: number }) {
  const session = useSession(vat, 'obligations')
  const obligations = useCall(vat, 'obligations')
  const canRead = session.connected && session.scopes.includes('read:vat')
  const loadedFor = useRef<number>(-1)
  const { call } = obligations

  useEffect(() => {
    if (!canRead || loadedFor.current === refreshKey) return
    loadedFor.current = refreshKey
    void call({ vrn: COMPANY.vrn, ...YEAR })
  }, [canRead, refreshKey, call])

  const list = obligations.result?.obligations
  const busy = ['calling', 'refreshing', 'retrying', 'exchangingCode'].includes(obligations.status)
  return (
    <section className="card" aria-labelledby="obligations-title">
      <header className="card-header">
        <div>
          <h2 id="obligations-title">Obligations</h2>
          <p className="muted">The periods HMRC expects a return for.</p>
        </div>
        <button type="button" className="button secondary" onClick={() => void call({ vrn: COMPANY.vrn, ...YEAR })} disabled={busy}>
          {list ? 'Refresh' : 'Load from HMRC'}
        </button>
      </header>
      {list ? (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Period</th>
              <th scope="col">Due</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((obligation) => (
              <tr key={obligation.periodKey}>
                <td>
                  {formatPeriod(obligation.start, obligation.end)} <span className="muted mono">{obligation.periodKey}</span>
                </td>
                <td>{formatDay(obligation.due)}</td>
                <td>
                  {obligation.status === 'F' ? (
                    <span className="pill success">Submitted {obligation.received ? formatDay(obligation.received) : ''}</span>
                  ) : (
                    <span className="pill warning">Open</span>
                  )}
                </td>
                <td className="align-right">
                  {obligation.status === 'O' && (
                    <button type="button" className="link-button" onClick={() => onFile(obligation)}>
                      File this period
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <div className="empty">
          {busy ? (
            <p className="muted">Loading your obligations from HMRC…</p>
          ) : (
            <p className="muted">
              {session.connected ? 'Ledgerline may submit returns but not yet read your VAT account.' : 'Ledgerline is not connected to HMRC yet.'} Load your
              obligations to see which periods are open.
            </p>
          )}
        </div>
      )}
      <AuthorizationWizard wizard={obligations.wizard} appName="Ledgerline" callLabel={CALL_LABELS.obligations} scopeDescriptions={SCOPE_WORDS} />
    </section>
  )
}
