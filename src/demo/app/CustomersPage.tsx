import { useState, type FormEvent } from 'react'
import { checkVatNumber, ServerRouteError, type VatCheckResult } from './applicationApi.js'
import { formatVrn } from './format.js'
import { applicationEnvironment, providerName, type VatEnvironment } from '../providers.js'

/** Checks a customer's VAT number through the app's server, which calls HMRC as the application. */
export function CustomersPage({ environment: pageEnvironment }: { environment: VatEnvironment }) {
  const environment = applicationEnvironment(pageEnvironment)
  const [vrn, setVrn] = useState('987654321')
  const [state, setState] = useState<
    | { kind: 'idle' }
    | { kind: 'busy' }
    | { kind: 'found'; result: VatCheckResult; tokenRequests: number; lookups: number }
    | { kind: 'error'; error: ServerRouteError }
  >({ kind: 'idle' })

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault()
    setState({ kind: 'busy' })
    try {
      const { server, ...result } = await checkVatNumber(vrn.replace(/\s+/g, ''), environment)
      setState({ kind: 'found', result, ...server })
    } catch (error) {
      setState({ kind: 'error', error: error instanceof ServerRouteError ? error : new ServerRouteError(String(error), 0, 'error') })
    }
  }

  return (
    <>
      <div className="page-header">
        <div>
          <p className="eyebrow">Customers</p>
          <h1>Check a VAT number</h1>
        </div>
        <span className={`env-badge is-${environment}`}>{providerName(environment)}</span>
      </div>
      <section className="card" aria-labelledby="check-title">
        <header className="card-header">
          <div>
            <h2 id="check-title">Is this customer VAT registered?</h2>
            <p className="muted">HMRC's "Check a UK VAT number" API, called by Ledgerline itself, not by you.</p>
          </div>
        </header>
        <form className="inline-form" onSubmit={onSubmit}>
          <label className="field">
            <span>Customer's VAT registration number</span>
            <input value={vrn} onChange={(event) => setVrn(event.target.value)} inputMode="numeric" className="mono" required />
          </label>
          <button type="submit" className="button primary" disabled={state.kind === 'busy'}>
            {state.kind === 'busy' ? 'Checking…' : 'Check'}
          </button>
        </form>
        <div aria-live="polite">
          {state.kind === 'found' && (
            <div className="result">
              <span className="pill success">VAT registered</span>
              <h3>{state.result.target.name}</h3>
              <p className="muted">
                VRN {formatVrn(state.result.target.vatNumber)} ·{' '}
                {[state.result.target.address.line1, state.result.target.address.line2, state.result.target.address.postcode].filter(Boolean).join(', ')}
              </p>
              <p className="footnote">
                The server has asked {environment === 'local' ? 'the local provider' : 'HMRC'} for{' '}
                {state.tokenRequests === 1 ? 'one application token' : `${state.tokenRequests} application tokens`} for{' '}
                {state.lookups === 1 ? 'this lookup' : `${state.lookups} lookups`}: grantflow reuses it until it expires.
              </p>
            </div>
          )}
          {state.kind === 'error' && (
            <div className="result">
              <span className={`pill ${state.error.status === 404 ? 'warning' : 'danger'}`}>
                {state.error.status === 404 ? 'Not registered' : 'Could not check'}
              </span>
              <p>{state.error.message}</p>
            </div>
          )}
        </div>
      </section>
      <section className="card explainer" aria-labelledby="how-title">
        <h2 id="how-title">How this call is made</h2>
        <ol className="steps">
          <li>
            Your browser asks Ledgerline's server: <code>GET /api/app/vat-check/{vrn.replace(/\s+/g, '') || '…'}</code>.
          </li>
          <li>
            The server, holding the client secret, calls HMRC through grantflow as the <em>application</em>: the client credentials grant, one token shared by
            every lookup until it expires.
          </li>
          <li>The browser gets the answer, never the secret or the token.</li>
        </ol>
      </section>
    </>
  )
}
