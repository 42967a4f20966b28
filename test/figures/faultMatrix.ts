import type { HttpFault, SeenRequest } from './faultInjector.js'

/** Every fault the matrix injects, one at a time. */
export type Fault = HttpFault | 'storageFull' | 'storageUnavailable' | 'tabClosed'

/** Every step of a consent, a call and a disconnect that a fault can meet. */
export type Step =
  'discovery' | 'authorization' | 'callback' | 'codeExchange' | 'refresh' | 'clientCredentials' | 'apiGet' | 'apiPost' | 'retryAfterConsent' | 'revocation'

export const FAULTS: Fault[] = [
  'network',
  'timeout',
  'http500',
  'http503',
  'malformedJson',
  'htmlPage',
  'noAccessToken',
  'invalidGrant',
  'invalidClient',
  'storageFull',
  'storageUnavailable',
  'tabClosed',
]

export const STEPS: Step[] = [
  'discovery',
  'authorization',
  'callback',
  'codeExchange',
  'refresh',
  'clientCredentials',
  'apiGet',
  'apiPost',
  'retryAfterConsent',
  'revocation',
]

/** How a fault is named on the summary line. */
export const FAULT_LABELS: Record<Fault, string> = {
  network: 'network error',
  timeout: 'timeout',
  http500: '500',
  http503: '503 + Retry-After',
  malformedJson: 'malformed JSON',
  htmlPage: 'HTML error page',
  noAccessToken: 'no access_token',
  invalidGrant: 'invalid_grant',
  invalidClient: 'invalid_client',
  storageFull: 'storage full',
  storageUnavailable: 'storage unavailable',
  tabClosed: 'tab closed',
}

/** The provider's `error` code a fault sends, which a typed error must carry. */
export const SENT_ERROR: Partial<Record<Fault, string>> = { http500: 'server_error', invalidGrant: 'invalid_grant', invalidClient: 'invalid_client' }

/** The request each step sends, which an HTTP fault (and a tab closed while it is in flight) meets. */
export const STEP_REQUEST: Partial<Record<Step, (request: SeenRequest) => boolean>> = {
  discovery: (r) => r.kind === 'discovery',
  authorization: (r) => r.kind === 'authorize',
  codeExchange: (r) => r.kind === 'token' && r.grant === 'authorization_code',
  refresh: (r) => r.kind === 'token' && r.grant === 'refresh_token',
  clientCredentials: (r) => r.kind === 'token' && r.grant === 'client_credentials',
  apiGet: (r) => r.kind === 'api' && r.method === 'GET',
  apiPost: (r) => r.kind === 'api' && r.method === 'POST',
  retryAfterConsent: (r) => r.kind === 'api' && r.method === 'POST',
  revocation: (r) => r.kind === 'revoke',
}

const HTTP_FAULTS: Fault[] = ['network', 'timeout', 'http500', 'http503', 'malformedJson', 'htmlPage']
const TOKEN_ANSWERS: Fault[] = ['noAccessToken', 'invalidGrant', 'invalidClient']
const NOT_TOKEN_ENDPOINT: Step[] = ['discovery', 'authorization', 'callback', 'apiGet', 'apiPost', 'retryAfterConsent']

/**
 * Faults left out of the matrix altogether, because in its world they cannot change an outcome
 * (a pair that cannot fail would only inflate the line):
 * - A slow answer within the timeout is an answer; one beyond it is the timeout pairs.
 * - A skewed app clock: this world has no JWT access token nor id_token, and a token's expiry is
 *   taken on the app's own clock at receipt, so a skew moves nothing.
 */
export const LEFT_OUT_FAULTS = ['slow answer', 'clock skew'] as const

/**
 * The pairs left out, each with why it means nothing (never because it fails). Everything else
 * in FAULTS × STEPS is run.
 */
export const NOT_APPLICABLE: Record<string, string> = {
  ...Object.fromEntries(
    HTTP_FAULTS.map((fault) => [
      `${fault}|callback`,
      'the callback is the provider redirecting the browser to the app: the runtime sends no request at that step (the code exchange after it is its own step)',
    ]),
  ),
  'malformedJson|authorization':
    "the authorization endpoint answers the user's browser with a redirect or a page, never JSON (its error page is the HTML pair)",
  ...Object.fromEntries(
    TOKEN_ANSWERS.flatMap((fault) =>
      NOT_TOKEN_ENDPOINT.map((step) => [`${fault}|${step}`, 'a token response (or a refusal of a grant or a client) comes only from the token endpoint']),
    ),
  ),
  'noAccessToken|revocation': 'a revocation answer carries no token: an empty 200 is its success',
  'invalidGrant|revocation': 'RFC 7009 revocation knows no grant to refuse (its errors are invalid_request, invalid_client, unsupported_token_type)',
  'storageFull|discovery': 'discovered metadata is cached in memory, never in the store',
  'storageUnavailable|discovery': 'discovered metadata is cached in memory, never in the store',
  'storageFull|callback':
    'the callback reads the pending authorization and removes it: a full storage refuses only writes (the tokens saved after it are codeExchange)',
  'storageFull|apiGet': 'a call with a valid token writes nothing',
  'storageFull|apiPost': 'a call with a valid token writes nothing',
  'storageUnavailable|apiPost': 'a POST reads the session as a GET does (apiGet)',
  'storageFull|retryAfterConsent': 'the replay writes nothing beyond the tokens of the code exchange (codeExchange)',
  'storageUnavailable|retryAfterConsent': 'the replay reads the session as a first call does (apiGet)',
  'storageFull|revocation': 'forgetting tokens removes items, which a full storage allows',
  'tabClosed|discovery': 'discovery keeps nothing: a new tab discovers again, which the discovery pairs cover',
  'tabClosed|clientCredentials': 'the application grant has no tab: a restarted server asks again, as a first call does',
}

/** Every pair the matrix runs. */
export const PAIRS: Array<{ fault: Fault; step: Step }> = FAULTS.flatMap((fault) =>
  STEPS.filter((step) => !NOT_APPLICABLE[`${fault}|${step}`]).map((step) => ({ fault, step })),
)
