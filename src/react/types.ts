import type { Api, Endpoint } from '../model/api.js'

export type ParamsOf<E> = E extends Endpoint<infer P, unknown, unknown> ? P : never
export type BodyOf<E> = E extends Endpoint<unknown, infer B, unknown> ? B : never
export type ResultOf<E> = E extends Endpoint<unknown, unknown, infer R> ? R : never

/** An endpoint of a declared API, by name. */
export type EndpointOf<A extends Api, K extends keyof A['endpoints']> = A['endpoints'][K]

/** `(params, body)` for an endpoint that takes a body, `(params)` for one that does not. */
export type CallArguments<Params, Body> = [Body] extends [undefined] ? [params: Params] : [params: Params, body: Body]

/** An API given by its declaration (`vat`, typed) or by its id (`'vat'`). */
export type ApiRef = Api | string

export function apiIdOf(api: ApiRef): string {
  return typeof api === 'string' ? api : api.id
}
