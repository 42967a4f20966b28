// Who is signed in: a stand-in for your app's own sign-in (Auth.js, iron-session, Clerk, …), so
// the recipe runs as it is. It reads the company from a cookie signed with APP_SESSION_SECRET;
// replace `signedInCompany` with what your sign-in offers (it must be synchronous: grantflow's
// resolvers are, so read the session before the call if yours is not).
import { createHmac, timingSafeEqual } from 'node:crypto'

const COOKIE = 'app-session'

function secret(): string {
  const value = process.env.APP_SESSION_SECRET
  if (!value) throw new Error('APP_SESSION_SECRET is not set')
  return value
}

const sign = (company: string) => createHmac('sha256', secret()).update(company).digest('base64url')

/** The `Set-Cookie` value that signs a browser in for a company (your sign-in route sends it). */
export function sessionCookie(company: string): string {
  return `${COOKIE}=${encodeURIComponent(company)}.${sign(company)}; Path=/; HttpOnly; SameSite=Lax`
}

/** The company the request's browser is signed in for, or undefined (no cookie, or one not signed by us). */
export function signedInCompany(request: Request): string | undefined {
  const pair = (request.headers.get('cookie') ?? '')
    .split(';')
    .map((part) => part.trim())
    .find((part) => part.startsWith(`${COOKIE}=`))
  if (!pair) return undefined
  const value = pair.slice(COOKIE.length + 1)
  const dot = value.lastIndexOf('.')
  if (dot < 0) return undefined
  const company = decodeURIComponent(value.slice(0, dot))
  const given = Buffer.from(value.slice(dot + 1))
  const expected = Buffer.from(sign(company))
  return given.length === expected.length && timingSafeEqual(given, expected) ? company : undefined
}
