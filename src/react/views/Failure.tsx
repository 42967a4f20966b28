import type { WizardViewProps } from './types.js'

/** What the user chose is not a failure of the app's: titled as what happened. */
const FAILURE_TITLES: Partial<Record<string, string>> = {
  consent_denied: 'Access not granted',
  cancelled: 'Connection cancelled',
  outcome_unknown: 'Not sure it went through',
}

/** `failed`: the error in words, Retry (the call is kept) and Dismiss; details for support. */
export function Failure({ error, titleId, descriptionId, callLabel, describeError, retry, dismiss }: WizardViewProps) {
  if (!error) return null
  return (
    <>
      <header className="gf-header">
        <span className="gf-badge gf-badge-danger" aria-hidden="true">
          !
        </span>
        <h2 id={titleId} className="gf-title">
          {FAILURE_TITLES[error.code] ?? 'That did not work'}
        </h2>
      </header>
      <p id={descriptionId} className="gf-text">
        {describeError(error)}{' '}
        {error.code === 'configuration_error' || error.code === 'undeclared_scope'
          ? ''
          : error.code === 'outcome_unknown'
            ? `Your ${stripPossessive(callLabel)} is kept.`
            : `Your ${stripPossessive(callLabel)} is kept: try again when you are ready.`}
      </p>
      <details className="gf-details">
        <summary>Details for support</summary>
        <dl>
          <dt>Code</dt>
          <dd>{error.code}</dd>
          {error.error && (
            <>
              <dt>Provider said</dt>
              <dd>
                {error.error}
                {error.description ? `: ${error.description}` : ''}
              </dd>
            </>
          )}
          <dt>Message</dt>
          <dd>{error.message}</dd>
        </dl>
      </details>
      <div className="gf-actions">
        <button type="button" className="gf-button gf-primary" onClick={retry} data-autofocus>
          {/* Sending again may do it twice: the button says so, and is the user's choice. */}
          {error.code === 'outcome_unknown' ? 'Send again' : 'Try again'}
        </button>
        <button type="button" className="gf-button" onClick={dismiss}>
          Dismiss
        </button>
      </div>
    </>
  )
}

/** "your VAT return" → "VAT return", to read "Your VAT return is kept". */
function stripPossessive(label: string): string {
  return label.replace(/^your\s+/i, '')
}
