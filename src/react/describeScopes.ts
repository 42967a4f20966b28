import type { ConsentReason } from '../errors.js'

/** Scope descriptions an app gives, by scope: `{ 'write:vat': 'Submit your VAT returns' }`. */
export type ScopeDescriptions = Readonly<Record<string, string>>

const WELL_KNOWN: ScopeDescriptions = {
  openid: 'Confirm who you are',
  profile: 'See your name and basic profile',
  email: 'See your email address',
  offline_access: 'Stay connected when you are not using the app',
}

const VERBS: Record<string, string> = {
  read: 'View your',
  write: 'Change your',
  view: 'View your',
  manage: 'Manage your',
  delete: 'Delete your',
}

/**
 * A scope in words: the app's description, a well-known one, or one read from the scope's
 * shape (`read:vat` → "View your VAT information"); otherwise the scope itself.
 */
export function describeScope(scope: string, descriptions: ScopeDescriptions = {}): string {
  const given = descriptions[scope] ?? WELL_KNOWN[scope]
  if (given) return given
  const match = /^([a-z]+)[:.]([\w.-]+)$/i.exec(scope)
  const verb = match && VERBS[match[1]!.toLowerCase()]
  if (!verb) return scope
  const subject = match[2]!.replace(/[._-]+/g, ' ')
  return `${verb} ${subject.length <= 4 ? subject.toUpperCase() : subject} information`
}

/** Why the user is asked now, in a sentence. */
export function describeReason(reason: ConsentReason, provider: string, appName = 'This app'): string {
  switch (reason) {
    case 'no_session':
      return `${appName} is not connected to ${provider} yet.`
    case 'refresh_failed':
      return `Your earlier permission at ${provider} has expired.`
    case 'token_rejected':
      return `${provider} no longer accepts the earlier permission.`
    case 'insufficient_scope':
      return 'This action needs more access than you gave before.'
    case 'revoked':
      return `The connection to ${provider} was removed.`
  }
}
