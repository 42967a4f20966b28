import type { Api } from './api.js'

// What a 403 challenge may ask for. A challenge's `scope` comes from the API, and a compromised
// API on a shared authorization server could name another resource's scopes or offline_access; a
// provider that skips the consent screen for scopes already granted would give them silently. So
// a challenge can narrow the next request to scopes the app itself declared for this API, never
// widen it.

const declared = new WeakMap<Api, ReadonlySet<string>>()

/** Every scope the API's endpoints declare (computed once per API). */
export function declaredScopesOf(api: Api): ReadonlySet<string> {
  let scopes = declared.get(api)
  if (!scopes) {
    scopes = new Set(Object.values(api.endpoints).flatMap((endpoint) => endpoint.scopes))
    declared.set(api, scopes)
  }
  return scopes
}

/**
 * The challenged scopes that may not be asked for: neither declared by an endpoint of the API nor
 * held by the token the API refused (asking again for what was granted widens nothing).
 */
export function undeclaredScopes(api: Api, challenged: readonly string[], held: readonly string[]): string[] {
  const allowed = declaredScopesOf(api)
  return [...new Set(challenged)].filter((scope) => !allowed.has(scope) && !held.includes(scope))
}
