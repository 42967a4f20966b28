import type { ConsentScreenProps } from './ConsentPage.js'

const ODOO_WORDS: Record<string, string> = {
  'read:accounting': 'Read your invoices, bills and taxes',
}

/** Odoo's OAuth authorization screen for the company's database. */
export function OdooAuthorize({ clientName, scopes, busy, error, onAnswer }: ConsentScreenProps) {
  return (
    <div className="odoo">
      <main className="odoo-card">
        <p className="odoo-brand">
          <span className="odoo-wordmark">odoo</span>
          <span className="odoo-db">acme-trading</span>
        </p>
        <h1>Authorize {clientName}</h1>
        <p>
          <strong>{clientName}</strong> would like to access the <strong>Acme Trading Ltd</strong> database as <strong>Priya Shah</strong>.
        </p>
        <ul>
          {scopes.map((scope) => (
            <li key={scope}>{ODOO_WORDS[scope] ?? scope}</li>
          ))}
        </ul>
        {error && (
          <p className="odoo-error" role="alert">
            {error}
          </p>
        )}
        <div className="odoo-actions">
          <button type="button" className="odoo-primary" onClick={() => onAnswer('approve')} disabled={busy !== undefined}>
            {busy === 'approve' ? 'Authorizing…' : 'Authorize'}
          </button>
          <button type="button" className="odoo-secondary" onClick={() => onAnswer('deny')} disabled={busy !== undefined}>
            Deny
          </button>
        </div>
      </main>
    </div>
  )
}
