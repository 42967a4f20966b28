import type { ConsentScreenProps } from './ConsentPage.js'

const HMRC_WORDS: Record<string, string> = {
  'read:vat': 'view your VAT information',
  'write:vat': 'change your VAT information',
}

/** HMRC's "Grant authority" page, in the GOV.UK style. */
export function HmrcGrantAuthority({ clientName, scopes, environment, busy, error, onAnswer }: ConsentScreenProps) {
  return (
    <div className="govuk">
      <header className="govuk-header">
        <div className="govuk-width">
          <span className="govuk-logo">
            <span className="govuk-crown" aria-hidden="true" />
            GOV.UK
          </span>
          <span className="govuk-service">HMRC online services</span>
        </div>
      </header>
      <div className="govuk-width">
        <p className="govuk-phase">
          <strong className="govuk-tag">{environment === 'sandbox' ? 'Sandbox' : 'Live'}</strong>
          <span>
            Signed in as <strong>Acme Trading Ltd</strong> · Government Gateway user ID 47 91 36 58 22 10
          </span>
        </p>
        <main className="govuk-main">
          <h1 className="govuk-heading">Grant authority</h1>
          <p className="govuk-body">
            <strong>{clientName}</strong> (software) wants authority to interact with HMRC on your behalf.
          </p>
          <p className="govuk-body">It will be able to:</p>
          <ul className="govuk-list">
            {scopes.map((scope) => (
              <li key={scope}>{HMRC_WORDS[scope] ?? scope}</li>
            ))}
          </ul>
          <div className="govuk-inset">You can remove this authority at any time. It lasts for 18 months unless you remove it sooner.</div>
          {error && (
            <div className="govuk-error" role="alert">
              <h2>There is a problem</h2>
              <p>{error}</p>
            </div>
          )}
          <div className="govuk-actions">
            <button type="button" className="govuk-button" onClick={() => onAnswer('approve')} disabled={busy !== undefined}>
              {busy === 'approve' ? 'Granting authority…' : 'Grant authority'}
            </button>
            <button type="button" className="govuk-link" onClick={() => onAnswer('deny')} disabled={busy !== undefined}>
              Do not grant authority
            </button>
          </div>
        </main>
      </div>
      <footer className="govuk-footer">
        <div className="govuk-width">© Crown copyright · A simulation for grantflow's demo; not an HMRC service.</div>
      </footer>
    </div>
  )
}
