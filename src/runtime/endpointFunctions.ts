import type { Api, Endpoint } from '../model/api.js'
import type { PendingCall } from '../model/session.js'
import type { CallableApi } from './types.js'

/** Makes a call to a declared endpoint (whose definition the caller already holds). */
export type EndpointCaller = (pending: PendingCall, endpoint: Endpoint) => Promise<unknown>

/**
 * Each API's endpoints as functions (`apis.vat.obligations(params)`), their calls made through
 * `call`. An API's functions are built when it is first reached, then kept: a server's
 * `withContext(request).apis.vat` builds one API's, not every endpoint of every API per request.
 */
export function endpointFunctions<Apis extends Record<string, Api>>(apis: Apis, call: EndpointCaller): { [K in keyof Apis]: CallableApi<Apis[K]> } {
  const callable: Record<string, unknown> = {}
  for (const [name, api] of Object.entries(apis)) {
    Object.defineProperty(callable, name, {
      enumerable: true,
      configurable: true,
      get() {
        const functions = functionsOf(api, call)
        Object.defineProperty(callable, name, { value: functions, enumerable: true })
        return functions
      },
    })
  }
  return callable as { [K in keyof Apis]: CallableApi<Apis[K]> }
}

function functionsOf(api: Api, call: EndpointCaller): Record<string, unknown> {
  const functions: Record<string, unknown> = {}
  for (const [name, endpoint] of Object.entries(api.endpoints)) {
    functions[name] = (params: Record<string, unknown> = {}, body?: unknown) =>
      call({ api: api.id, endpoint: name, params, ...(body !== undefined && { body }) }, endpoint)
  }
  return functions
}
