// Checks the built package as an app receives it (dist/): every error class keeps its name
// (`error.name`, `toJSON().name`), however the build or the app's bundler minifies class names.
// Run by .ci/run after `npm run build`.
import * as grantflow from '../dist/index.js'

const examples = {
  ConsentRequiredError: () =>
    new grantflow.ConsentRequiredError({ provider: { id: 'p', name: 'P' }, api: { id: 'a', name: 'A' }, scopes: [], reason: 'no_session', sessionKey: 'k' }),
  ConsentDeniedError: () => new grantflow.ConsentDeniedError(),
  AuthorizationError: () => new grantflow.AuthorizationError({ error: 'invalid_request' }),
  InvalidCallbackError: () => new grantflow.InvalidCallbackError('state_mismatch'),
  TokenEndpointError: () => new grantflow.TokenEndpointError({ grant: 'refresh_token', error: 'invalid_grant' }),
  InsufficientScopeError: () => new grantflow.InsufficientScopeError([]),
  UndeclaredScopeError: () => new grantflow.UndeclaredScopeError({ api: 'vat', requestedScopes: ['x'], undeclaredScopes: ['x'] }),
  ProviderUnreachableError: () => new grantflow.ProviderUnreachableError('timeout', 'https://api.example/'),
  CallOutcomeUnknownError: () => new grantflow.CallOutcomeUnknownError('POST', new grantflow.ProviderUnreachableError('timeout', 'https://api.example/')),
  ApiError: () => new grantflow.ApiError({ status: 500, body: null }),
  TokenExpiredError: () => new grantflow.TokenExpiredError('k'),
  ConfigurationError: () => new grantflow.ConfigurationError('x'),
  StorageError: () => new grantflow.StorageError(new Error('x')),
  CancelledError: () => new grantflow.CancelledError(),
  UnexpectedError: () => new grantflow.UnexpectedError(new Error('x')),
}

const errorClasses = Object.entries(grantflow).filter(([, value]) => typeof value === 'function' && value.prototype instanceof grantflow.GrantflowError)
const problems = []
for (const [name] of errorClasses) if (!examples[name]) problems.push(`${name}: no example here; add one`)
for (const [name, make] of Object.entries(examples)) {
  const error = make()
  if (error.name !== name) problems.push(`${name}: error.name is "${error.name}"`)
  if (error.toJSON().name !== name) problems.push(`${name}: toJSON().name is "${error.toJSON().name}"`)
}
// grantflow/testing's contract failure is not a GrantflowError (a runner prints it, no app catches
// it), but its name is what a failed clause shows: kept too.
const testing = await import('../dist/testing.js')
if (new testing.ContractViolation('x').name !== 'ContractViolation')
  problems.push(`ContractViolation: error.name is "${new testing.ContractViolation('x').name}"`)
if (problems.length) {
  console.error(`dist: error names not kept:\n  ${problems.join('\n  ')}`)
  process.exit(1)
}
console.log(`dist: ${Object.keys(examples).length} error classes keep their names`)

// `require()` works where Node loads ES modules that way (20.19+, 22.12+, 24), and the manifest is exported.
const { createRequire } = await import('node:module')
const require = createRequire(import.meta.url)
const required = require('grantflow')
if (typeof required.createGrantflow !== 'function') {
  console.error('dist: require("grantflow") does not give createGrantflow')
  process.exit(1)
}
if (require('grantflow/package.json').name !== 'grantflow') {
  console.error('dist: grantflow/package.json is not exported')
  process.exit(1)
}
console.log('dist: require("grantflow") and grantflow/package.json resolve')
