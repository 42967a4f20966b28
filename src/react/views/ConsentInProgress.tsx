import { ProviderBadge } from './ProviderBadge.js'
import type { WizardViewProps } from './types.js'

/** `awaitingConsent`: the provider is opening, or the user is there (in a popup or another page). */
export function ConsentInProgress({ consent, titleId, descriptionId, progress, navigatorMode, path, cancel }: WizardViewProps) {
  const provider = consent?.provider.name ?? 'the provider'
  const inPopup = navigatorMode === 'popup' && path.endsWith('atProvider')
  return (
    <>
      <header className="gf-header">
        <ProviderBadge name={provider} />
        <div>
          <p className="gf-eyebrow">{provider}</p>
          <h2 id={titleId} className="gf-title">
            {inPopup ? `Finish at ${provider}` : `Opening ${provider}`}
          </h2>
        </div>
      </header>
      <div className="gf-progress">
        <span className="gf-spinner" aria-hidden="true" />
        <p id={descriptionId} className="gf-text">
          {inPopup ? `Sign in and give your permission in the ${provider} window. This page waits for you.` : progress}
        </p>
      </div>
      <div className="gf-actions">
        <button type="button" className="gf-button" onClick={cancel}>
          Cancel
        </button>
      </div>
    </>
  )
}
