import type * as oauth from 'oauth4webapi'
import type { ClientRegistration } from '../model/client.js'
import type { ComplianceFix } from '../providers/fixes/index.js'
import type { HttpDoors } from './doors.js'

/** Everything a protocol step needs to talk to one provider environment as one client. */
export interface OAuthContext {
  as: oauth.AuthorizationServer
  client: ClientRegistration
  doors: HttpDoors
  fixes: readonly ComplianceFix[]
}
