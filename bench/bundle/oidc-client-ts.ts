// oidc-client-ts doing the job: log in by redirect, handle the callback, get the token, call the API.
import { UserManager } from 'oidc-client-ts'

const users = new UserManager({ authority: 'https://auth.example', client_id: 'app', redirect_uri: `${location.origin}/callback`, scope: 'openid read:vat' })

export async function main(): Promise<unknown> {
  if (location.pathname === '/callback') await users.signinRedirectCallback()
  const user = await users.getUser()
  if (!user || user.expired) return users.signinRedirect()
  const response = await fetch('https://api.example/organisations/vat/123456789/obligations', { headers: { authorization: `Bearer ${user.access_token}` } })
  return response.json()
}
