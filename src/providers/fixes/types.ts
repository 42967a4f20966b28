/** A token endpoint response as compliance fixes see it, before oauth4webapi validates it. */
export interface TokenResponseDraft {
  status: number
  headers: Headers
  /** The raw body text as received. */
  text: string
  /** The body as a JSON object, if it parsed as one (a fix may set it). */
  body: Record<string, unknown> | undefined
}

export interface FixContext {
  /** The injected clock, epoch milliseconds. */
  now: number
}

/**
 * A provider's departure from the spec and how to repair it, as Authlib's compliance hooks.
 * Fixes run in the order the provider lists them, on every token endpoint response.
 */
export interface ComplianceFix {
  name: string
  fixTokenResponse(draft: TokenResponseDraft, context: FixContext): void
}
