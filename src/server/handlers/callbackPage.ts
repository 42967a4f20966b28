import { InvalidCallbackError, isGrantflowError, type InvalidCallbackReason } from '../../errors.js'
import { safeReturnTo } from '../../oauth/returnTo.js'
import { problemResponse } from './problem.js'

// A callback that fails lands in front of a person: the provider sent their browser here. A
// navigation gets a page in words with a way back into the app; code (fetch, tests) still gets
// the problem document. Nothing of the callback's URL, code or state is written into the page.

/** Whether the request is a browser loading a page (a navigation), not code fetching data. */
export function isNavigation(request: Request): boolean {
  const mode = request.headers.get('sec-fetch-mode')
  if (mode) return mode === 'navigate'
  const accept = request.headers.get('accept') ?? ''
  return accept.includes('text/html') && !accept.includes('json')
}

const CALLBACK_SENTENCES: Partial<Record<InvalidCallbackReason, string>> = {
  code_already_used: 'This sign-in was already completed: nothing more needs doing here.',
  no_pending_authorization: 'This sign-in link was already used or is no longer waiting. Go back to the app and start again if you still need to.',
  expired: 'This sign-in took too long and has expired. Go back to the app and start again.',
  binding_mismatch: 'This sign-in was started in another browser, so it was not used here. Start it again from the app in this browser.',
}

const TITLES: Partial<Record<InvalidCallbackReason, string>> = { code_already_used: 'Already completed' }

function sentenceOf(error: unknown): { title: string; sentence: string; code: string } {
  if (error instanceof InvalidCallbackError) {
    const sentence = CALLBACK_SENTENCES[error.reason] ?? 'The answer from the provider could not be verified, so it was not used.'
    return { title: TITLES[error.reason] ?? 'Sign-in not completed', sentence, code: error.reason }
  }
  if (isGrantflowError(error) && error.code === 'consent_denied')
    return { title: 'Access not granted', sentence: 'Access was not granted, so nothing was sent.', code: error.code }
  return {
    title: 'Sign-in not completed',
    sentence: 'The sign-in could not be completed. Please try again from the app.',
    code: isGrantflowError(error) ? error.code : 'unexpected',
  }
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** The failure of a callback: a page for a person's browser, else the problem document. */
export function callbackFailure(request: Request, error: unknown, headers: [string, string][]): Response {
  const problem = problemResponse(error, headers)
  if (!isNavigation(request)) return problem
  const { title, sentence, code } = sentenceOf(error)
  // Where the refused authorization's user was going, when the refusal may say it (never to another browser).
  const back = safeReturnTo((error as { returnTo?: string }).returnTo) ?? '/'
  const page = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<main style="font: 16px/1.5 system-ui, sans-serif; max-width: 32rem; margin: 4rem auto; padding: 0 1rem">
<h1 style="font-size: 1.4rem">${escape(title)}</h1>
<p>${escape(sentence)}</p>
<p><a href="${escape(back)}">Back to the app</a></p>
<p style="color: #666; font-size: 0.85rem">Code: <code>${escape(code)}</code></p>
</main>
`
  const response = new Response(page, { status: problem.status, headers })
  response.headers.set('content-type', 'text/html; charset=utf-8')
  response.headers.set('cache-control', 'no-store')
  response.headers.set('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
  response.headers.set('referrer-policy', 'no-referrer')
  return response
}
