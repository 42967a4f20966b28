import { ENVIRONMENT_LABELS, VAT_ENVIRONMENTS } from '../providers.js'
import { linkProps } from '../router.js'
import { changeSettings, type AppSettings } from './runtime.js'

const NAV = [
  { to: '/', label: 'VAT returns' },
  { to: '/customers', label: 'Customers' },
  { to: '/connections', label: 'Connections' },
]

/**
 * The app's header: navigation, and the demo's two switches: which HMRC (the embedded
 * oidc-provider, or the simulated sandbox and production) and which consent mode.
 */
export function TopBar({ pathname, settings }: { pathname: string; settings: AppSettings }) {
  return (
    <header className="topbar">
      <a className="brand" {...linkProps('/')}>
        <span className="brand-mark" aria-hidden="true" />
        Ledgerline
      </a>
      <nav aria-label="Main">
        <ul>
          {NAV.map((item) => (
            <li key={item.to}>
              <a {...linkProps(item.to)} aria-current={pathname === item.to ? 'page' : undefined}>
                {item.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <div className="switches">
        <div className="switch">
          <span id="env-label">HMRC</span>
          <div className="segmented" role="group" aria-labelledby="env-label">
            {VAT_ENVIRONMENTS.map((environment) => (
              <button
                key={environment}
                type="button"
                aria-pressed={settings.environment === environment}
                title={environment === 'local' ? 'oidc-provider in the dev server: a real authorization server' : `HMRC ${environment}, simulated in this tab`}
                onClick={() => changeSettings({ environment })}
              >
                {ENVIRONMENT_LABELS[environment]}
              </button>
            ))}
          </div>
        </div>
        <div className="switch">
          <span id="consent-label">Consent in</span>
          <div className="segmented" role="group" aria-labelledby="consent-label">
            {(['redirect', 'popup'] as const).map((consent) => (
              <button key={consent} type="button" aria-pressed={settings.consent === consent} onClick={() => changeSettings({ consent })}>
                {consent === 'redirect' ? 'Redirect' : 'Popup'}
              </button>
            ))}
          </div>
        </div>
      </div>
    </header>
  )
}
