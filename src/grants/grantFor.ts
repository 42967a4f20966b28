import { ConfigurationError } from '../errors.js'
import type { ApiUserKind } from '../model/api.js'
import type { Provider } from '../model/provider.js'
import { authorizationCode } from './authorizationCode/grant.js'
import { clientCredentials } from './clientCredentials/grant.js'
import type { GrantDescriptor } from './types.js'

/**
 * The grant that obtains tokens for a kind of API user at a provider, as the provider declares
 * it (`grants`), or a ConfigurationError when it serves that kind with none.
 *
 * @example
 * grantFor(piste, 'application').renewal // 'reacquire'
 */
export function grantFor(provider: Provider, apiUserKind: ApiUserKind): GrantDescriptor {
  const holder = apiUserKind === 'application' ? 'application' : 'person'
  // A provider that declares nothing serves both, as grantflow always did.
  if (!provider.grants) return holder === 'person' ? authorizationCode : clientCredentials
  const type = provider.grants[holder]
  // Compared, not looked up: a declared "__proto__" must find nothing.
  const grant = type === authorizationCode.type ? authorizationCode : type === clientCredentials.type ? clientCredentials : undefined
  if (!grant) throw new ConfigurationError(`provider ${provider.id} declares no ${holder} grant grantflow knows`)
  return grant
}
