import type { Api } from '../model/api.js'
import type { Session } from '../model/session.js'
import { sessionTarget, type SessionTarget, type TargetConfig } from './targets.js'

/**
 * The target of a stored session, under the key it is stored by: an application's token is
 * keyed by its scope set, which the record keeps only in its key, so the scopes are read back
 * from there (rebuilt without them, the target would name another session).
 */
export function storedSessionTarget(config: TargetConfig, api: Api, stored: Session): SessionTarget {
  const target = sessionTarget(config, api, stored.apiUser)
  const prefix = `${target.key}/`
  if (!stored.key.startsWith(prefix)) return target
  return sessionTarget(config, api, stored.apiUser, decodeURIComponent(stored.key.slice(prefix.length)).split(' '))
}
