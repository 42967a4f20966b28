import { GrantflowProvider } from '../../react/index.js'
import { UnderTheHood } from '../devtools/UnderTheHood.js'
import { PROVIDERS } from '../providers.js'
import { useLocation } from '../router.js'
import { CallbackPage } from './CallbackPage.js'
import { ConnectionsPage } from './ConnectionsPage.js'
import { CustomersPage } from './CustomersPage.js'
import { ReturnsPage } from './ReturnsPage.js'
import { isCallbackPath, useAppRuntime } from './runtime.js'
import { TopBar } from './TopBar.js'

/** Ledgerline: the VAT returns app, with grantflow's runtime given to every page below. */
export function App() {
  const { pathname } = useLocation()
  const runtime = useAppRuntime()
  const { environment } = runtime.settings
  const page = isCallbackPath(pathname) ? (
    <CallbackPage />
  ) : pathname === '/customers' ? (
    <CustomersPage environment={environment} />
  ) : pathname === '/connections' ? (
    <ConnectionsPage environment={environment} />
  ) : (
    <ReturnsPage environment={environment} />
  )
  return (
    // A new runtime is a new page load: everything below starts afresh.
    <GrantflowProvider grantflow={runtime.grantflow} key={runtime.id}>
      <div className="app">
        <TopBar pathname={pathname} settings={runtime.settings} />
        <p className="demo-note">
          <strong>Demo.</strong>{' '}
          {PROVIDERS === 'embedded' ? (
            <>
              <em>Local</em> is a real authorization server, oidc-provider, running in the dev server (sign in as <code>demo</code> / <code>demo</code>); HMRC's
              sandbox and production and Odoo are simulated in this tab by grantflow's provider kit. No account, no secret. Break them from the Faults tab.
            </>
          ) : (
            <>HMRC and Odoo are simulated in this tab by grantflow's provider kit: no account, no secret. Break them from the Faults tab.</>
          )}
        </p>
        <div className="layout">
          <main className="content" id="main">
            {page}
          </main>
          <UnderTheHood environment={environment} />
        </div>
      </div>
    </GrantflowProvider>
  )
}
