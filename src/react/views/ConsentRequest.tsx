import { describeReason } from '../describeScopes.js'
import { ProviderBadge } from './ProviderBadge.js'
import type { WizardViewProps } from './types.js'

/** `unauthorized`: which app wants which access, from which provider and why; continue or cancel. */
export function ConsentRequest(props: WizardViewProps) {
  const { consent, appName, callLabel, titleId, descriptionId, describeScope, navigatorMode, accept, cancel } = props
  if (!consent) return null
  const provider = consent.provider.name
  return (
    <>
      <header className="gf-header">
        <ProviderBadge name={provider} />
        <div>
          <p className="gf-eyebrow">{provider}</p>
          <h2 id={titleId} className="gf-title">
            Connect {appName} to {consent.api.name}
          </h2>
        </div>
      </header>
      <p id={descriptionId} className="gf-text">
        {describeReason(consent.reason, provider, appName)} {appName} is asking {provider} for permission to:
      </p>
      <ul className="gf-scopes">
        {consent.scopes.map((scope) => (
          <li key={scope}>
            <span className="gf-check" aria-hidden="true" />
            <span>{describeScope(scope)}</span>
          </li>
        ))}
      </ul>
      <p className="gf-note">
        {navigatorMode === 'popup' ? `${provider} opens in a new window.` : `You will sign in at ${provider} and come back here.`} {capitalize(callLabel)} is
        kept and sent once you agree. You can remove this access at any time.
      </p>
      <div className="gf-actions">
        <button type="button" className="gf-button gf-primary" onClick={accept} data-autofocus>
          Continue to {provider}
        </button>
        <button type="button" className="gf-button" onClick={cancel}>
          Cancel
        </button>
      </div>
    </>
  )
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
