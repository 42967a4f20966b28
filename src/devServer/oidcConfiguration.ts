// The one oidc-provider configuration grantflow is tested and demonstrated against: the
// integration tests (test/support/oidcServer.ts) and the dev server's embedded provider
// (embeddedProvider.ts) both build their provider from it.
import type { JsonWebKey } from 'node:crypto'
import type { ClientMetadata, Configuration } from 'oidc-provider'

/** The scopes the provider knows. */
export const SCOPES = ['openid', 'offline_access', 'read:vat', 'write:vat'] as const
/** The scopes the resource server's tokens can carry. */
export const RESOURCE_SCOPES = ['read:vat', 'write:vat'] as const

/** An account the provider can issue tokens for: its subject and the claims of its id_token. */
/** A key as oidc-provider takes it (node:crypto's JWK export, with its id and use). */
export type JWK = JsonWebKey & { kid?: string; alg?: string; use?: string }

export interface OidcAccount {
  accountId: string
  claims?: Record<string, unknown>
}

export interface OidcConfigurationOptions {
  /** The issuer: user pages of `interactions: 'own'` live under its path. */
  issuer: string
  /** The registered clients, as oidc-provider takes them (RFC 7591 metadata). */
  clients: ClientMetadata[]
  /** The resource server's base URL: its resource indicator (RFC 8707) and its tokens' audience. */
  resourceUrl: string
  /** Private signing keys (id_tokens, JWT access tokens), RS256. */
  signingKeys: JWK[]
  /** Keys that sign the provider's cookies. */
  cookieKeys: string[]
  /** Access token lifetime in seconds (default 600). */
  accessTokenTtl?: number
  /** Refresh token lifetime in seconds (default one day). */
  refreshTokenTtl?: number
  /**
   * When the provider issues a refresh token with a code: `always` (the default) for every client
   * allowed the refresh_token grant; `offline_access` is oidc-provider's own policy, under which
   * offline_access is granted only on a request with prompt=consent (OpenID Connect Core §11).
   */
  refreshTokens?: 'always' | 'offline_access'
  /** The accounts that exist; by default any login is an account whose subject is that login. */
  accounts?: OidcAccount[]
  /**
   * Who shows the login and consent pages: oidc-provider's development pages (any login, any
   * password), or the caller's own at {@link interactionPath}, driven by `interactionDetails` and
   * `interactionFinished`.
   */
  interactions?: 'development' | 'own'
}

/**
 * Where a user's login and consent for one authorization happen when `interactions` is `'own'`:
 * under the issuer's path, so the provider's interaction cookie (scoped to this path) comes along.
 *
 * @example
 * interactionPath('http://127.0.0.1:5173/oidc', 'abc') // '/oidc/interaction/abc'
 */
export function interactionPath(issuer: string, uid: string): string {
  return `${new URL(issuer).pathname.replace(/\/+$/, '')}/interaction/${encodeURIComponent(uid)}`
}

/**
 * oidc-provider's configuration for grantflow: PKCE (S256) required of every client, `iss` on
 * authorization responses (RFC 9207), JWT access tokens (RFC 9068) for the resource server, which
 * is also the resource of a request that names none, refresh tokens rotated, revocation,
 * introspection and client credentials.
 *
 * @example
 * const provider = new Provider(issuer, oidcConfiguration({
 *   issuer,
 *   clients: [{ client_id: 'spa', token_endpoint_auth_method: 'none', redirect_uris: [`${origin}/callback`] }],
 *   resourceUrl: `${origin}/api`,
 *   signingKeys: [privateJwk],
 *   cookieKeys: [randomBytes(32).toString('base64url')],
 * }))
 */
export function oidcConfiguration(options: OidcConfigurationOptions): Configuration {
  const { issuer, resourceUrl } = options
  const accessTokenTtl = options.accessTokenTtl ?? 600
  const refreshTokenTtl = options.refreshTokenTtl ?? 86_400
  const accounts = options.accounts && new Map(options.accounts.map((account) => [account.accountId, account]))
  const ownInteractions = options.interactions === 'own'

  return {
    clients: options.clients,
    jwks: { keys: options.signingKeys },
    cookies: { keys: options.cookieKeys },
    scopes: [...SCOPES],
    // PKCE for every client, confidential ones too (only S256 exists in v9).
    pkce: { required: () => true },
    // The code flow only: no implicit or hybrid response types (OAuth 2.1 drops them), so
    // discovery advertises none and no token can travel in a URL fragment.
    responseTypes: ['code'],
    ...(ownInteractions && {
      interactions: { url: async (_ctx: unknown, interaction: { uid: string }) => interactionPath(issuer, interaction.uid) },
    }),
    features: {
      devInteractions: { enabled: !ownInteractions },
      revocation: { enabled: true },
      introspection: { enabled: true },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // A request that names no resource is for the VAT API, so its access token is a JWT.
        defaultResource: async (_ctx: unknown, _client: unknown, oneOf?: string[]) => oneOf ?? resourceUrl,
        // ...and so is a token request that names none, although openid was asked for (userinfo).
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx: unknown, indicator: string) => {
          // Imported here, not at the top: this file is loaded before oidc-provider is (see
          // loadOidcProvider.ts), and by the time a request asks, the library is loaded.
          if (indicator !== resourceUrl) throw new (await import('oidc-provider')).errors.InvalidTarget()
          return {
            scope: RESOURCE_SCOPES.join(' '),
            audience: resourceUrl,
            accessTokenFormat: 'jwt',
            accessTokenTTL: accessTokenTtl,
            jwt: { sign: { alg: 'RS256' } },
          }
        },
      },
    },
    // By default a refresh token for every code grant of a client allowed to refresh: offline_access
    // alone would need prompt=consent on each authorization request (OIDC Core §11).
    ...(options.refreshTokens !== 'offline_access' && {
      issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }, code: { kind: string }) =>
        client.grantTypeAllowed('refresh_token') && (code.kind === 'AuthorizationCode' || code.kind === 'RefreshToken'),
    }),
    rotateRefreshToken: true,
    ttl: {
      AccessToken: accessTokenTtl,
      ClientCredentials: accessTokenTtl,
      RefreshToken: refreshTokenTtl,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      Session: 86_400,
      Grant: 86_400,
    },
    findAccount: async (_ctx: unknown, sub: string) => {
      if (!accounts) return { accountId: sub, claims: async () => ({ sub }) }
      const account = accounts.get(sub)
      return account && { accountId: sub, claims: async () => ({ ...account.claims, sub }) }
    },
  }
}
