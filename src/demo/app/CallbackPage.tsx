import { useSelector } from '@xstate/react'
import { useEffect } from 'react'
import { AuthorizationWizard, describeError, useAuthorizationCallback } from '../../react/index.js'
import { navigate } from '../router.js'
import { CALL_LABELS, SCOPE_WORDS, type VatReturn } from './apis.js'
import { showFlash, type Flash } from './flash.js'

/** What the page the user goes back to says about the call the wizard finished. */
function flashFor(endpoint: string | undefined, body: unknown, result: unknown): Flash {
  if (endpoint === 'submitReturn') {
    return { tone: 'success', title: 'VAT return submitted', endpoint, result: { receipt: result, periodKey: (body as VatReturn).periodKey } }
  }
  if (endpoint === 'vatSummary') return { tone: 'success', title: 'Figures imported from Odoo', detail: 'Check them before you submit.', endpoint, result }
  if (endpoint === 'obligations') return { tone: 'success', title: 'Connected to HMRC', detail: 'Your obligations are below.' }
  return { tone: 'success', title: 'Connected' }
}

/**
 * The redirect URI's route: the provider sent the user back here. The saved wizard exchanges the
 * code and makes the saved call once; then the user goes back where they were.
 */
export function CallbackPage() {
  const { status, wizard, completion, error } = useAuthorizationCallback()
  const outcome = useSelector(wizard, (s) => (s?.status === 'done' ? s.value : undefined))
  const endpoint = useSelector(wizard, (s) => s?.context.call?.endpoint)
  // The wizard's dialog says what failed and offers Try again; the page behind it stops spinning.
  const waiting = useSelector(wizard, (s) => s?.matches('failed') === true)
  const back = completion?.returnTo ?? '/'

  useEffect(() => {
    if (!wizard || !outcome) return
    const { call, result } = wizard.getSnapshot().context
    if (outcome === 'succeeded') showFlash(flashFor(call?.endpoint, call?.body, result))
    navigate(back, { replace: true })
  }, [wizard, outcome, back])
  useEffect(() => {
    if (status === 'completed') navigate(back, { replace: true })
  }, [status, back])

  return (
    <div className="callback">
      {status === 'failed' && error ? (
        <section className="card callback-card" role="alert">
          <h1>This sign-in could not be used</h1>
          <p>{describeError(error, { provider: 'The provider', api: 'The service' })} Nothing was sent.</p>
          <button type="button" className="button primary" onClick={() => navigate('/', { replace: true })}>
            Back to VAT returns
          </button>
        </section>
      ) : waiting ? (
        <section className="card callback-card">
          <h1>Not connected yet</h1>
          <p className="muted">Nothing was sent, and your request is kept: try again, or dismiss to go back.</p>
        </section>
      ) : (
        <section className="card callback-card" aria-busy="true">
          <span className="spinner" aria-hidden="true" />
          <h1>{status === 'delivered' ? 'Returning to Ledgerline…' : 'Finishing your connection…'}</h1>
          <p className="muted">One moment: this page will take you back.</p>
        </section>
      )}
      <AuthorizationWizard
        wizard={wizard}
        appName="Ledgerline"
        callLabel={CALL_LABELS[endpoint ?? ''] ?? 'your saved request'}
        scopeDescriptions={SCOPE_WORDS}
      />
    </div>
  )
}
