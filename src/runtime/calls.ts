import type { Endpoint } from '../model/api.js'
import type { PendingCall } from '../model/session.js'
import { attemptCall, type WizardDeps } from './attempt.js'
import { resolveApiUser, type ApiUserResolvers } from './targets.js'
import type { WizardStarter } from './wizardStarter.js'

// The wizard's actors (renewToken among them), loaded when a call first finds its token stale; the promise is kept.
let wizardActorsModule: Promise<typeof import('./wizardActors.js')> | undefined
const wizardActors = () => (wizardActorsModule ??= import('./wizardActors.js'))

/**
 * How a runtime makes a call: the API user recorded on it, one attempt with the session's token
 * and, only when that is not enough, a wizard that gets consent, renews and replays it.
 */
export function createCalls<Context>(deps: WizardDeps, resolvers: ApiUserResolvers<Context> | undefined, wizards: () => Promise<WizardStarter>) {
  /** The call with its API user recorded: the one it names, else the resolvers' answer in `context`. */
  const withApiUser = (pending: PendingCall, context: Context, endpoint = deps.config.apis[pending.api]?.endpoints[pending.endpoint]): PendingCall =>
    pending.apiUser || !endpoint ? pending : { ...pending, apiUser: resolveApiUser(resolvers, endpoint.apiUser, context) }

  /** The call with where its consent returns to, where the app says it from the call's context (a server's request). */
  const withReturnTo = (pending: PendingCall, context: Context): PendingCall => {
    if (context === undefined || !deps.returnTo || pending.returnTo !== undefined) return pending
    const returnTo = (deps.returnTo as (context: Context) => string | undefined)(context)
    return returnTo === undefined ? pending : { ...pending, returnTo }
  }

  /** Calls an endpoint (looked up once: the endpoint functions pass the one they hold). */
  const call = async (made: PendingCall, context: Context, known?: Endpoint): Promise<unknown> => {
    const endpoint = known ?? deps.config.apis[made.api]?.endpoints[made.endpoint]
    const pending = withApiUser(made, context, endpoint)
    // Happy path: a fresh token means one snapshot read and one request, no wizard.
    const target = deps.target(pending, endpoint)
    let first = await attemptCall(deps, pending, target)
    if (first.kind === 'succeeded') return first.value
    if (first.kind === 'tokenStale') {
      // Stale by the clock: the session renews it once for every call waiting (single flight),
      // and the call goes again; a wizard only if that is not enough, as its own would do.
      const renewed = await (await wizardActors()).renewToken(deps, pending)
      first = renewed.kind === 'succeeded' ? await attemptCall(deps, pending, target) : renewed
      if (first.kind === 'succeeded') return first.value
    }
    // The wizard's first attempt is this one: a refused request is not sent again before consent.
    const wizard = await wizards()
    // Asked only now a consent may be needed (not on every call), while the context is at hand.
    const actor = await wizard.start(withReturnTo(pending, context), { firstAttempt: first })
    const done = await wizard.ended(actor)
    actor.stop()
    if (done.matches('succeeded')) return done.context.result
    throw done.context.error
  }

  return { call, withApiUser }
}
