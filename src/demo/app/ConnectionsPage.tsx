import { useEffect, useState, type ReactNode } from 'react'
import type { Api } from 'grantflow'
import { describeScope, useSession } from '../../react/index.js'
import { accounting, COMPANY, SCOPE_WORDS, vat } from './apis.js'
import { applicationSession, ServerRouteError, type ApplicationSession } from './applicationApi.js'
import { applicationEnvironment, providerName, type VatEnvironment } from '../providers.js'
import { formatRelative, formatTime } from './format.js'

interface RowFacts {
  title: string
  provider: string
  connected: boolean
  state: string
  scopes: string[]
  expiresAt?: number | undefined
  errors: Array<{ at: number; step: string; code: string; error?: string; description?: string }>
  note?: string
}

function SessionRow({ facts, action }: { facts: RowFacts; action?: ReactNode }) {
  const status = facts.connected ? 'Connected' : facts.state === 'expired' ? 'Expired' : 'Not connected'
  return (
    <li className="session">
      <div className="session-main">
        <div className="session-title">
          <h3>{facts.title}</h3>
          <span className={`pill ${facts.connected ? 'success' : facts.state === 'expired' ? 'warning' : 'neutral'}`}>{status}</span>
        </div>
        <p className="muted">
          {facts.provider}
          {facts.state !== 'unknown' && (
            <>
              {' '}
              · token session <code>{facts.state}</code>
            </>
          )}
        </p>
        <dl className="session-facts">
          <div>
            <dt>Access</dt>
            <dd>{facts.scopes.length ? facts.scopes.map((scope) => describeScope(scope, SCOPE_WORDS)).join(' · ') : '—'}</dd>
          </div>
          <div>
            <dt>Token expires</dt>
            <dd>{facts.expiresAt ? `${formatRelative(facts.expiresAt)} (${formatTime(facts.expiresAt)})` : '—'}</dd>
          </div>
        </dl>
        {facts.note && <p className="footnote">{facts.note}</p>}
        {facts.errors.length > 0 && (
          <details className="session-errors">
            <summary>
              Last errors <span className="count">{facts.errors.length}</span>
            </summary>
            <ul>
              {[...facts.errors]
                .reverse()
                .slice(0, 5)
                .map((error) => (
                  <li key={`${error.at}-${error.step}-${error.code}`}>
                    <time>{formatTime(error.at)}</time> <strong>{error.step}</strong> <code>{error.code}</code>
                    {error.error && (
                      <span className="muted">
                        {' '}
                        {error.error}
                        {error.description ? `: ${error.description}` : ''}
                      </span>
                    )}
                  </li>
                ))}
            </ul>
          </details>
        )}
      </div>
      {action}
    </li>
  )
}

/** A company session, followed live with useSession; Disconnect revokes it at the provider. */
function CompanySession({ api, endpoint, title, provider, note }: { api: Api; endpoint: string; title: string; provider: string; note?: string }) {
  const session = useSession(api, endpoint)
  const [busy, setBusy] = useState(false)
  return (
    <SessionRow
      facts={{ title, provider, ...session, ...(note && { note }) }}
      action={
        session.connected && (
          <button
            type="button"
            className="button secondary danger"
            disabled={busy}
            onClick={async () => {
              setBusy(true)
              await session.disconnect().finally(() => setBusy(false))
            }}
          >
            {busy ? 'Disconnecting…' : 'Disconnect'}
          </button>
        )
      }
    />
  )
}

/** The application's session lives on the server: the browser sees facts about it, no token. */
function ApplicationSessionRow({ environment }: { environment: VatEnvironment }) {
  const [session, setSession] = useState<ApplicationSession | ServerRouteError>()
  useEffect(() => {
    let live = true
    applicationSession(environment).then(
      (value) => live && setSession(value),
      (error: ServerRouteError) => live && setSession(error),
    )
    return () => {
      live = false
    }
  }, [environment])
  if (!session) {
    return (
      <li className="session">
        <p className="muted">Asking Ledgerline's server…</p>
      </li>
    )
  }
  if (session instanceof ServerRouteError) {
    return (
      <SessionRow
        facts={{
          title: 'Check a UK VAT number',
          provider: providerName(environment),
          connected: false,
          state: 'unknown',
          scopes: [],
          expiresAt: undefined,
          errors: [],
          note: session.message,
        }}
      />
    )
  }
  return (
    <SessionRow
      facts={{
        title: 'Check a UK VAT number',
        provider: `${providerName(environment)} · client credentials, on the server`,
        state: session.connected ? 'valid' : 'empty',
        ...session,
        scopes: session.scopes.length ? session.scopes : session.connected ? ['(application-restricted)'] : [],
        note: `${session.tokenRequests} token request${session.tokenRequests === 1 ? '' : 's'} for ${session.lookups} lookup${session.lookups === 1 ? '' : 's'}.`,
      }}
    />
  )
}

/** Every session, per API user: the company's (consented by a person) and the application's. */
export function ConnectionsPage({ environment }: { environment: VatEnvironment }) {
  return (
    <>
      <div className="page-header">
        <div>
          <p className="eyebrow">Settings</p>
          <h1>Connections</h1>
        </div>
      </div>
      <section className="card" aria-labelledby="company-sessions">
        <header className="card-header">
          <div>
            <h2 id="company-sessions">{COMPANY.name}</h2>
            <p className="muted">Connected by a person at the company, with their consent.</p>
          </div>
        </header>
        <ul className="sessions">
          <CompanySession
            api={vat}
            endpoint="submitReturn"
            title="VAT (Making Tax Digital)"
            provider={environment === 'local' ? 'Local provider · oidc-provider in the dev server' : `HM Revenue & Customs · ${environment}`}
          />
          <CompanySession
            api={accounting}
            endpoint="vatSummary"
            title="Odoo Accounting"
            provider="Odoo · acme-trading.odoo.example"
            note="Odoo sends access_token_validity (an absolute date) instead of expires_in; grantflow's accessTokenValidity fix turns it into this expiry."
          />
        </ul>
      </section>
      <section className="card" aria-labelledby="app-sessions">
        <header className="card-header">
          <div>
            <h2 id="app-sessions">Ledgerline itself</h2>
            <p className="muted">The application as API user: its own token, kept on the server.</p>
          </div>
        </header>
        <ul className="sessions">
          <ApplicationSessionRow environment={applicationEnvironment(environment)} />
        </ul>
      </section>
    </>
  )
}
