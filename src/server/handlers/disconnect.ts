import type { HandlerContext } from './context.js'
import { BadRequestError, problemResponse } from './problem.js'
import { fieldsOf, required, requireOwnOriginPost } from './requests.js'

/**
 * Disconnects one of the request's own sessions: `POST` with its `sessionKey`. The provider
 * revokes the grant where it can, and the tokens are forgotten always. Another user's key is not
 * found (404), as a key that does not exist: the sessions seen are `withContext(request)`'s.
 */
export function createDisconnectHandler<Context>({ grantflow, contextOf, appOrigins }: HandlerContext<Context>) {
  return async (request: Request): Promise<Response> => {
    try {
      requireOwnOriginPost(request, appOrigins(request))
      const key = required(await fieldsOf(request), 'sessionKey')
      const { sessions } = grantflow.withContext(await contextOf(request))
      if (!(await sessions.get(key))) throw new BadRequestError(404, 'no_session', 'no such session')
      const { revoked, error } = await sessions.disconnect(key)
      return Response.json({ sessionKey: key, revoked, ...(error && { error: error.toJSON() }) }, { headers: { 'cache-control': 'no-store' } })
    } catch (error) {
      return problemResponse(error)
    }
  }
}
