// grantflow/protocol: the protocol steps the runtime is made of, one oauth4webapi exchange each,
// for an app that drives a step itself (a script, its own flow). Kept out of the `grantflow`
// entry: re-exported from it, they and oauth4webapi reached every page's first load, where the
// runtime loads them only when a token must be obtained, renewed or revoked.
export { resolveAuthorizationServer } from './oauth/authorizationServer.js'
export { startAuthorization } from './grants/authorizationCode/authorize.js'
export { validateCallback } from './grants/authorizationCode/callback.js'
export { exchangeCode } from './grants/authorizationCode/codeExchange.js'
export { refreshTokens } from './grants/refreshToken/refresh.js'
export { requestClientCredentials } from './grants/clientCredentials/clientCredentials.js'
export { revokeTokens } from './oauth/revocation.js'
export { authorizerFor } from './call/authorizerFor.js'
