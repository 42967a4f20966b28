// @auth0/auth0-spa-js doing the job: log in by redirect, handle the callback, get the token, call the API.
import { createAuth0Client } from '@auth0/auth0-spa-js'

export async function main(): Promise<unknown> {
  const auth0 = await createAuth0Client({
    domain: 'auth.example',
    clientId: 'app',
    authorizationParams: { redirect_uri: `${location.origin}/callback`, scope: 'read:vat' },
  })
  if (location.pathname === '/callback') await auth0.handleRedirectCallback()
  if (!(await auth0.isAuthenticated())) return auth0.loginWithRedirect()
  const token = await auth0.getTokenSilently()
  const response = await fetch('https://api.example/organisations/vat/123456789/obligations', { headers: { authorization: `Bearer ${token}` } })
  return response.json()
}
