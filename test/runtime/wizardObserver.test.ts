import { describe, expect, it } from 'vitest'
import { waitFor } from 'xstate'
import { createWizardObserver } from '../../src/observers/wizardObserver.js'
import { useMsw, vatWorld, VRN } from '../support/vatWorld.js'

const server = useMsw()
const query = { vrn: VRN, from: '2025-01-01', to: '2025-12-31' }

describe('wizard observers', () => {
  it('show idle before there is a wizard', () => {
    const observer = createWizardObserver(undefined)
    expect(observer.getSnapshot()).toMatchObject({ state: 'idle', status: 'idle', result: undefined, error: undefined })
    expect(observer.getSnapshot()).toBe(observer.getSnapshot())
  })

  it("follow a call's wizard to its result, telling listeners only when the view changed", async () => {
    const { grantflow } = vatWorld({ server, grantflow: { interaction: 'guided' } })
    const wizard = await grantflow.startWizard({ api: 'vat', endpoint: 'obligations', params: query })
    const observer = createWizardObserver(wizard)
    const views: unknown[] = []
    const unsubscribe = observer.subscribe(() => views.push(observer.getSnapshot()))
    await waitFor(wizard, (s) => s.matches('unauthorized'))
    expect(observer.getSnapshot().consent?.scopes).toEqual(['read:vat'])
    wizard.send({ type: 'CONSENT_ACCEPTED' })
    await waitFor(wizard, (s) => s.matches('succeeded'))
    const done = observer.getSnapshot()
    expect(done.status).toBe('succeeded')
    expect(done.result).toHaveProperty('obligations')
    // One view per change shown, never the same view twice in a row.
    expect(views.every((view, i) => i === 0 || view !== views[i - 1])).toBe(true)
    expect(views.at(-1)).toBe(done)
    unsubscribe()
    wizard.stop()
  })
})
