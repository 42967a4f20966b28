import { accessTokenValidity } from './accessTokenValidity.js'
import { commaSeparatedScope } from './commaSeparatedScope.js'
import { errorWithStatus200 } from './errorWithStatus200.js'
import { expiresInAsString } from './expiresInAsString.js'
import { formEncodedTokenResponse } from './formEncodedTokenResponse.js'
import { missingTokenType } from './missingTokenType.js'
import type { ComplianceFix, FixContext, TokenResponseDraft } from './types.js'

export type { ComplianceFix, FixContext, TokenResponseDraft }

/** The built-in compliance fixes, by name. A provider lists the ones it needs. */
export const fixes = {
  accessTokenValidity,
  commaSeparatedScope,
  errorWithStatus200,
  expiresInAsString,
  formEncodedTokenResponse,
  missingTokenType,
} satisfies Record<string, ComplianceFix>

/**
 * Runs a provider's fixes over a token endpoint response and returns the response oauth4webapi
 * will validate. Without fixes the response is returned untouched (no extra body read).
 */
export async function applyTokenResponseFixes(response: Response, list: readonly ComplianceFix[], context: FixContext): Promise<Response> {
  if (list.length === 0) return response
  const text = await response.text()
  const draft: TokenResponseDraft = { status: response.status, headers: new Headers(response.headers), text, body: parseObject(text) }
  for (const fix of list) fix.fixTokenResponse(draft, context)
  if (!draft.body) return new Response(text, { status: draft.status, headers: draft.headers })
  draft.headers.set('content-type', 'application/json')
  draft.headers.delete('content-length')
  return new Response(JSON.stringify(draft.body), { status: draft.status, headers: draft.headers })
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}
