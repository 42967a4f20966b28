import type { ApiRequest } from '../model/provider.js'
import type { TokenSet } from '../model/tokens.js'

/**
 * Puts a token set's credentials on an API request, apart from the grant that obtained them:
 * a bearer header, a DPoP proof (signed, so it may answer with a Promise) or an OAuth 1.0a
 * signature. Called again for every send of the request, retries too, so a proof is never reused.
 *
 * @example
 * const apiKeyToo: RequestAuthorizer = (request, tokens) => {
 *   bearer(request, tokens)
 *   request.headers.set('x-api-key', 'public-key')
 * }
 */
export type RequestAuthorizer = (request: ApiRequest, tokens: TokenSet) => void | Promise<void>
