// @azure/msal-browser doing the job: log in by redirect, handle the callback, get the token, call the API.
import { PublicClientApplication } from '@azure/msal-browser'

const msal = new PublicClientApplication({ auth: { clientId: 'app', authority: 'https://login.example/tenant', redirectUri: `${location.origin}/callback` } })

export async function main(): Promise<unknown> {
  await msal.initialize()
  await msal.handleRedirectPromise()
  const [account] = msal.getAllAccounts()
  if (!account) return msal.loginRedirect({ scopes: ['read:vat'] })
  const { accessToken } = await msal.acquireTokenSilent({ account, scopes: ['read:vat'] })
  const response = await fetch('https://api.example/organisations/vat/123456789/obligations', { headers: { authorization: `Bearer ${accessToken}` } })
  return response.json()
}
