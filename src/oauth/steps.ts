// The protocol steps the runtime loads on first need (a separate chunk): a call with a valid
// token needs none of them, so the happy path stays small and fast. Each grant's steps live in
// its folder under src/grants/; what is not a grant (discovery, revocation, challenges) here.
export { resolveAuthorizationServer } from './authorizationServer.js'
export { createBindingResolver } from '../runtime/binding.js'
export { startAuthorization } from '../grants/authorizationCode/authorize.js'
export { validateCallback } from '../grants/authorizationCode/callback.js'
export { exchangeCode } from '../grants/authorizationCode/codeExchange.js'
export { requestClientCredentials } from '../grants/clientCredentials/clientCredentials.js'
export { refreshTokens } from '../grants/refreshToken/refresh.js'
export { revokeTokens } from './revocation.js'
export { parseChallenge } from './parseChallenge.js'
export { authorizerFor } from '../call/authorizerFor.js'
