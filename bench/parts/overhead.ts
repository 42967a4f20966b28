// Overhead: a call with a valid token against a plain fetch of the same request (same URL, same
// headers) to the same server, which runs in a process of its own on 127.0.0.1. Rounds alternate
// the two sides; the figure is the median of the per-round ratios of wall time per call (what a
// caller waits), with the client's CPU time per call and grantflow's own work (an in-memory fetch
// that answers at once) reported beside it.
import { createGrantflow, createMemoryStore, defineClient, emptySession } from 'grantflow'
import { localProvider, vatApi } from '../lib/declarations.js'
import { cpuMicros, median, startChild, type Goal, type PartResult } from '../lib/measure.js'

export interface OverheadOptions {
  short: boolean
}

// A round must last far longer than the kernel's 4 ms CPU tick (see RESULTS.md: 300-call rounds
// moved a ratio by ±5 % from rounding alone); 1000 calls last ~0.2-0.4 s each way.
const CALLS_PER_ROUND = 1000
const BLOCKS = 10

export async function overhead({ short }: OverheadOptions): Promise<PartResult> {
  const rounds = short ? 9 : 31
  // The short run (CI, a loaded 2-core machine) has fewer rounds, so its median moves more.
  const bound = short ? 1.06 : 1.03
  const server = await startChild<{ url: string }>('api.ts')
  const base = server.info.url
  try {
    // Called as the one user a single-page app has (`me`), as a page would.
    const api = vatApi(localProvider(base), 'user')
    const store = createMemoryStore()
    const session = emptySession({ api: 'vat', environment: 'local', apiUser: { kind: 'user', id: 'me' } }, Date.now())
    await store.set(
      { ...session, tokens: { accessToken: 'valid-token', tokenType: 'bearer', scopes: ['read:vat'], expiresAt: Date.now() + 3600_000 } },
      undefined,
    )
    const clients = { local: defineClient({ clientId: 'bench', redirectUri: `${base}/cb` }) }
    const grantflow = createGrantflow({ apis: { api }, clients, environment: 'local', apiUser: { user: () => 'me' }, store })
    const BODY = '{"obligations":[{"periodKey":"#001","status":"O"}]}'
    const memoryFetch = async (..._args: Parameters<typeof fetch>) => new Response(BODY, { headers: { 'content-type': 'application/json' } })
    const inMemory = createGrantflow({ apis: { api }, clients, environment: 'local', apiUser: { user: () => 'me' }, store, fetch: memoryFetch })

    const url = `${base}/organisations/vat/123456789/obligations`
    const headers = { accept: 'application/json', authorization: 'Bearer valid-token' }
    const plain = async () => (await fetch(url, { headers })).json() as Promise<unknown>
    const viaGrantflow = () => grantflow.apis.api.obligations({ vrn: '123456789' })
    const plainInMemory = async () => (await memoryFetch(url, { headers })).json() as Promise<unknown>
    const inMemoryCall = () => inMemory.apis.api.obligations({ vrn: '123456789' })

    /** Wall µs and this process's CPU µs per call, over a round of sequential calls. */
    const round = async (fn: () => Promise<unknown>, calls = CALLS_PER_ROUND) => {
      const wallStart = process.hrtime.bigint()
      const cpu = await cpuMicros(async () => {
        for (let i = 0; i < calls; i++) await fn()
      })
      return { wall: Number(process.hrtime.bigint() - wallStart) / 1000 / calls, cpu: cpu / calls }
    }

    // What grantflow hands fetch (a Headers object, redirect 'manual', a timer raced): the part of
    // the difference that is Node's fetch, not grantflow's code.
    const asSent = async () => {
      const timer = setTimeout(() => undefined, 30_000)
      try {
        return (await (await fetch(url, { method: 'GET', headers: new Headers(headers), body: null, redirect: 'manual' })).text()) as unknown
      } finally {
        clearTimeout(timer)
      }
    }
    for (let i = 0; i < 300; i++) await Promise.all([plain(), viaGrantflow(), asSent()])
    const wallRatios: number[] = []
    const cpuRatios: number[] = []
    const sentRatios: number[] = []
    const totals = { plainWall: [] as number[], flowWall: [] as number[], plainCpu: [] as number[], flowCpu: [] as number[] }
    for (let r = 0; r < rounds; r++) {
      // A round interleaves blocks of each side (the first side alternating), so a neighbour's
      // burst or a GC falls on both alike; its ratio is of the round's totals.
      const sum = { plain: { wall: 0, cpu: 0 }, flow: { wall: 0, cpu: 0 }, sent: { wall: 0, cpu: 0 } }
      const sides = [
        ['plain', plain],
        ['flow', viaGrantflow],
        ['sent', asSent],
      ] as const
      for (let b = 0; b < BLOCKS; b++) {
        const order = (b + r) % 2 === 0 ? sides : [...sides].reverse()
        for (const [name, fn] of order) {
          const t = await round(fn, CALLS_PER_ROUND / BLOCKS)
          sum[name].wall += t.wall
          sum[name].cpu += t.cpu
        }
      }
      wallRatios.push(sum.flow.wall / sum.plain.wall)
      cpuRatios.push(sum.flow.cpu / sum.plain.cpu)
      sentRatios.push(sum.sent.wall / sum.plain.wall)
      totals.plainWall.push(sum.plain.wall / BLOCKS)
      totals.flowWall.push(sum.flow.wall / BLOCKS)
      totals.plainCpu.push(sum.plain.cpu / BLOCKS)
      totals.flowCpu.push(sum.flow.cpu / BLOCKS)
    }
    const { plainWall, flowWall, plainCpu, flowCpu } = totals

    // grantflow's own work: CPU-bound calls with no I/O, alternating, median of the differences.
    const added: number[] = []
    for (let i = 0; i < 3; i++) await Promise.all([round(plainInMemory, 2000), round(inMemoryCall, 2000)])
    for (let r = 0; r < (short ? 5 : 9); r++) added.push((await round(inMemoryCall, 20_000)).cpu - (await round(plainInMemory, 20_000)).cpu)
    grantflow.dispose()
    inMemory.dispose()

    const ratio = median(wallRatios)
    const goal: Goal = {
      part: 'overhead',
      name: 'a valid-token call / plain fetch, wall time per call (median of rounds)',
      measured: `${ratio.toFixed(3)}×`,
      goal: `≤ ${bound}×${short ? ' (short run; full run ≤ 1.03×)' : ''}`,
      met: ratio <= bound,
      value: ratio,
    }
    return {
      goals: [goal],
      lines: [
        `server in its own process; ${rounds} alternating rounds of ${CALLS_PER_ROUND} sequential calls each way`,
        `wall per call: plain fetch ${median(plainWall).toFixed(1)} µs, grantflow ${median(flowWall).toFixed(1)} µs; ratio ${ratio.toFixed(3)}× (rounds ${Math.min(...wallRatios).toFixed(3)}–${Math.max(...wallRatios).toFixed(3)})`,
        `client CPU per call: plain fetch ${median(plainCpu).toFixed(1)} µs, grantflow ${median(flowCpu).toFixed(1)} µs; ratio ${median(cpuRatios).toFixed(3)}×`,
        `a plain fetch sent as grantflow sends it (Headers, redirect 'manual', a timer) / plain fetch: ${median(sentRatios).toFixed(3)}×`,
        `grantflow's own work (in-memory fetch, CPU): ${median(added).toFixed(1)} µs per call`,
      ],
    }
  } finally {
    await server.stop()
  }
}
