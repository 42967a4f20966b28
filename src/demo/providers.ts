// Which VAT provider the demo runs against. `npm run dev`: the embedded oidc-provider in the dev
// server (a real authorization server, real redirects), with HMRC's sandbox and production still
// simulated beside it; `npm run dev:mock` and the static build: the simulated ones alone.

/** `embedded` when the dev server mounts oidc-provider (src/devServer), `mock` otherwise. */
export const PROVIDERS: 'embedded' | 'mock' = import.meta.env.VITE_PROVIDERS === 'embedded' ? 'embedded' : 'mock'

/** The simulated HMRC environments (the provider kit under MSW, in the page). */
export type HmrcEnvironment = 'sandbox' | 'production'

/** Where the app's VAT calls go: `local` is the embedded provider's VAT API. */
export type VatEnvironment = HmrcEnvironment | 'local'

/** The environments the environment switch offers, the default first. */
export const VAT_ENVIRONMENTS: readonly VatEnvironment[] = PROVIDERS === 'embedded' ? ['local', 'sandbox', 'production'] : ['sandbox', 'production']

/** The embedded provider's mount points (embeddedProvider()'s defaults). */
export const EMBEDDED = {
  issuerPath: '/oidc',
  apiPath: '/api/local',
  controlPath: '/__embedded',
} as const

/** What the app and its panels call each environment. */
export const ENVIRONMENT_LABELS: Record<VatEnvironment, string> = {
  local: 'Local',
  sandbox: 'Sandbox',
  production: 'Production',
}

export function isSimulated(environment: VatEnvironment): environment is HmrcEnvironment {
  return environment !== 'local'
}

/** The provider an environment stands for, as the page's badges say it. */
export function providerName(environment: VatEnvironment): string {
  return environment === 'local' ? 'Local provider' : `HMRC ${environment}`
}

/**
 * The environment of the app's server route (/api/app): under `npm run dev` it is the embedded
 * provider's client, whichever environment the page's own calls use.
 */
export function applicationEnvironment(environment: VatEnvironment): VatEnvironment {
  return PROVIDERS === 'embedded' ? 'local' : environment
}
