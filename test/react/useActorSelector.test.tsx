// @vitest-environment happy-dom
import { act, cleanup, render, screen } from '@testing-library/react'
import { Component, StrictMode, type ReactNode } from 'react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { assign, createActor, createMachine, fromPromise, setup } from 'xstate'
import { useActorSelector } from '../../src/react/useActorSelector.js'

afterEach(() => {
  cleanup()
  vi.restoreAllMocks()
})

/** A light and a counter of presses: PRESS switches it and counts, COUNT only counts (a new snapshot, the light as it was). */
const light = setup({ types: { context: {} as { presses: number }, events: {} as { type: 'PRESS' } | { type: 'COUNT' } } }).createMachine({
  context: { presses: 0 },
  initial: 'off',
  on: { COUNT: { actions: assign({ presses: ({ context }) => context.presses + 1 }) } },
  states: {
    off: { on: { PRESS: { target: 'on', actions: assign({ presses: ({ context }) => context.presses + 1 }) } } },
    on: { on: { PRESS: { target: 'off', actions: assign({ presses: ({ context }) => context.presses + 1 }) } } },
  },
})
const started = () => createActor(light).start()
type Light = ReturnType<typeof started>

function Shows({ actor, onRender }: { actor: Light | undefined; onRender: () => void }) {
  // Only whether it is on: the pick changes every other press.
  const on = useActorSelector(actor, (s) => (s ? (s.matches('on') ? 'on' : 'off') : 'no light'))
  onRender()
  return <p>{on}</p>
}

class Boundary extends Component<{ children: ReactNode }, { error?: unknown }> {
  override state: { error?: unknown } = {}
  static getDerivedStateFromError(error: unknown) {
    return { error }
  }
  override render() {
    return this.state.error ? <p role="alert">{String((this.state.error as Error).message)}</p> : this.props.children
  }
}

describe('useActorSelector', () => {
  it('follows the actor, rendering again only when the pick changes', () => {
    const actor = started()
    const onRender = vi.fn()
    render(<Shows actor={actor} onRender={onRender} />)
    expect(screen.getByText('off')).toBeTruthy()
    const before = onRender.mock.calls.length
    act(() => actor.send({ type: 'PRESS' }))
    expect(screen.getByText('on')).toBeTruthy()
    expect(onRender.mock.calls.length).toBe(before + 1)
    // A new snapshot, the same pick: not rendered again.
    const snapshot = actor.getSnapshot()
    act(() => actor.send({ type: 'COUNT' }))
    expect(actor.getSnapshot()).not.toBe(snapshot)
    expect(onRender.mock.calls.length).toBe(before + 1)
  })

  it('picks from undefined while there is no actor, then follows the one given; the old one no longer renders it', () => {
    const onRender = vi.fn()
    const { rerender } = render(<Shows actor={undefined} onRender={onRender} />)
    expect(screen.getByText('no light')).toBeTruthy()
    const first = started()
    rerender(<Shows actor={first} onRender={onRender} />)
    expect(screen.getByText('off')).toBeTruthy()
    const second = started()
    second.send({ type: 'PRESS' })
    rerender(<Shows actor={second} onRender={onRender} />)
    expect(screen.getByText('on')).toBeTruthy()
    const renders = onRender.mock.calls.length
    act(() => first.send({ type: 'PRESS' }))
    expect(onRender.mock.calls.length).toBe(renders)
    expect(screen.getByText('on')).toBeTruthy()
  })

  it('takes a pick that is a new object each time without a warning or a loop (cached by snapshot), under StrictMode', () => {
    const errors = vi.spyOn(console, 'error')
    const actor = started()
    function Presses() {
      const view = useActorSelector(actor, (s) => ({ presses: s?.context.presses ?? 0 }))
      return <p>presses: {view.presses}</p>
    }
    render(
      <StrictMode>
        <Presses />
      </StrictMode>,
    )
    act(() => actor.send({ type: 'PRESS' }))
    act(() => actor.send({ type: 'PRESS' }))
    expect(screen.getByText('presses: 2')).toBeTruthy()
    expect(errors).not.toHaveBeenCalled()
  })

  it("hands an actor's failure to the nearest error boundary", async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const failing = createActor(
      createMachine({ initial: 'working', states: { working: { invoke: { src: fromPromise(() => Promise.reject(new Error('the step broke'))) } } } }),
    )
    failing.subscribe({ error: () => {} }) // the test's own observer: the failure is not unhandled
    failing.start()
    render(
      <Boundary>
        <ShowsAny actor={failing} />
      </Boundary>,
    )
    expect((await screen.findByRole('alert')).textContent).toBe('the step broke')
  })
})

function ShowsAny({ actor }: { actor: ReturnType<typeof createActor> }) {
  const status = useActorSelector(actor, (s) => s?.status)
  return <p>{status}</p>
}
