// The protocol steps the runtime loads on first need (a separate chunk): a call with a valid
// token needs none of them, so the happy path stays small and fast.
export { resolveAuthorizationServer } from './authorizationServer.js'
export { createBindingResolver } from '../runtime/binding.js'
export { startAuthorization } from './authorize.js'
export { validateCallback } from './callback.js'
export { requestClientCredentials } from './clientCredentials.js'
export { exchangeCode } from './codeExchange.js'
export { refreshTokens } from './refresh.js'
export { revokeTokens } from './revocation.js'
export { parseChallenge } from './parseChallenge.js'
