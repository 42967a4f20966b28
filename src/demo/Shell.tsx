import { App } from './app/App.js'
import { ConsentPage } from './provider/ConsentPage.js'
import { authorizationUrlOf, isProviderPage } from './provider/providerPage.js'
import { useLocation } from './router.js'

/** The demo's document: the provider's screens, or the app. */
export function Shell() {
  const { pathname, search } = useLocation()
  if (isProviderPage(pathname)) return <ConsentPage authorizationUrl={authorizationUrlOf(pathname, search)} />
  return <App />
}
