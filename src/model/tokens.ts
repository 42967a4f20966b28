/** What a token endpoint granted, with the expiry made absolute at receipt. */
export interface TokenSet {
  accessToken: string
  tokenType: string
  refreshToken?: string
  /** Epoch milliseconds; absent when the provider gave no lifetime. */
  expiresAt?: number
  /** Epoch milliseconds at which the token was received (absent in sessions stored before). */
  receivedAt?: number
  /** Granted scopes; when the provider omits `scope`, the scopes that were requested. */
  scopes: string[]
  idTokenClaims?: Record<string, unknown>
}

/** Tokens are treated as expired this long before their stated expiry, to absorb clock skew and latency. */
export const EXPIRY_LEEWAY_MS = 30_000

/** Whether the access token can still be sent; checked whenever a token is read, never by timer. */
export function isTokenFresh(tokens: TokenSet, now: number, leewayMs = EXPIRY_LEEWAY_MS): boolean {
  if (tokens.expiresAt === undefined) return true
  // A token that lives less than twice the leeway would be stale from the start: take half its life.
  const lifetime = tokens.receivedAt === undefined ? Infinity : tokens.expiresAt - tokens.receivedAt
  return now + Math.min(leewayMs, lifetime / 2) < tokens.expiresAt
}

/** Whether `granted` covers every scope in `needed`. */
export function hasScopes(granted: readonly string[], needed: readonly string[]): boolean {
  return needed.every((scope) => granted.includes(scope))
}

/** The union of scope lists, in first-seen order. */
export function unionScopes(...lists: ReadonlyArray<readonly string[]>): string[] {
  return [...new Set(lists.flat())]
}
