// The authorization URL of a fake provider can't be visited for real (a service worker does not
// answer top-level navigations to another origin), so the demo shows the provider's screen on a
// path of its own: /provider/<host>/<path>?<query>, the real URL in all but the origin.

const PREFIX = '/provider/'

/** The in-app path of a provider's authorization URL. */
export function providerPagePath(authorizationUrl: string): string {
  const url = new URL(authorizationUrl)
  return `${PREFIX}${url.host}${url.pathname}${url.search}`
}

/** The provider's authorization URL an in-app provider path stands for. */
export function authorizationUrlOf(pathname: string, search: string): string | undefined {
  if (!pathname.startsWith(PREFIX)) return undefined
  return `https://${pathname.slice(PREFIX.length)}${search}`
}

export function isProviderPage(pathname: string): boolean {
  return pathname.startsWith(PREFIX)
}
