// What the bench's client side shares with the provider's process (oidc.ts), which must not be imported: it starts the servers.

/** What the bench learns of the servers: never a token. */
export interface ServedCounts {
  /** Token requests answered, by grant type and status (`refresh_token 200`). */
  token: Record<string, number>
  /** Authorization requests (a consent the user was sent to). */
  authorizations: number
  /** The resource server's answers, by status. */
  resource: Record<string, number>
}

export const PUBLIC_CLIENT = 'bench-spa'
export const REDIRECT_URI = 'http://127.0.0.1/callback'
