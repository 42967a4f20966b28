import type { ConsentNeed } from '../../machines/callWizard.js'
import type { GrantflowError, GrantflowErrorCode } from '../errors.js'

/** Who the sentences name: the provider and the API, as the consent need says them. */
export interface ErrorSubject {
  provider: string
  api: string
}

type Sentence = (subject: ErrorSubject, error: GrantflowError) => string

/** One sentence per error code, in words a user can act on. Never the provider's raw text. */
const SENTENCES: Record<GrantflowErrorCode, Sentence> = {
  consent_required: ({ provider }) => `${provider} has not given this app the access it needs yet.`,
  consent_denied: ({ provider }) => `Access was not granted at ${provider}, so nothing was sent.`,
  authorization_failed: ({ provider }) => `${provider} could not start the sign-in. Please try again in a moment.`,
  invalid_callback: ({ provider }) => `The answer from ${provider} could not be verified, so it was not used.`,
  token_endpoint_error: ({ provider }) => `${provider} did not confirm the access. Please try again.`,
  insufficient_scope: ({ provider }) => `The access given at ${provider} does not cover this action.`,
  undeclared_scope: ({ api }) => `${api} asked for access this app does not use, so it was not requested. Please contact support.`,
  provider_unreachable: ({ provider }) => `${provider} cannot be reached right now. Check your connection, then try again.`,
  outcome_unknown: ({ api }) => `${api} did not answer, so it may have received this already. Check before you send it again.`,
  api_error: ({ api }, error) => apiSentence(api, error as GrantflowError & { status?: number; retryAfter?: number }),
  token_expired: ({ provider }) => `Your access to ${provider} has expired.`,
  configuration_error: ({ provider }) => `This app is not set up correctly to use ${provider}. Please contact support.`,
  storage_unavailable: (_, error) =>
    (error as { reason?: string }).reason === 'full'
      ? 'This browser has no room left to keep the connection. Free some space, then try again.'
      : 'This browser would not let the app keep the connection (private browsing can do this). Nothing you typed was lost.',
  cancelled: () => 'The connection was cancelled before it finished.',
  unexpected: () => 'Something unexpected went wrong.',
}

function apiSentence(api: string, error: { status?: number; retryAfter?: number }): string {
  const status = error.status ?? 0
  if (status === 429) return `${api} is busy: too many requests were made. Wait ${error.retryAfter ?? 'a few'} seconds, then try again.`
  if (status >= 500) return `${api} is having a problem on its side. Nothing was changed; please try again.`
  if (status === 404) return `${api} could not find what was asked for.`
  if (status === 403) return `${api} refused this request.`
  return `${api} could not accept the request.`
}

/**
 * The error as one sentence for the user, naming the provider and API where it helps.
 *
 * @example
 * describeError(new ConsentDeniedError(), { provider: 'HM Revenue & Customs', api: 'VAT' })
 * // 'Access was not granted at HM Revenue & Customs, so nothing was sent.'
 */
export function describeError(error: GrantflowError, subject: ErrorSubject): string {
  const sentence = (SENTENCES[error.code] ?? SENTENCES.unexpected)(subject, error)
  // The neutral subject ("the provider") reads lower case mid-sentence, capitalised to begin one.
  return sentence.startsWith('the ') ? `T${sentence.slice(1)}` : sentence
}

/** The subject of a wizard's sentences: its consent need, or neutral words before one is known. */
export function subjectOf(consent: ConsentNeed | undefined): ErrorSubject {
  return { provider: consent?.provider.name ?? 'the provider', api: consent?.api.name ?? 'the service' }
}
