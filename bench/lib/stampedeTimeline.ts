// Where the time of a stampede batch goes, grantflow's and the ideal client's side by side (the
// stampede part's world, bench/parts/stampede.ts): see bench/stampede-timeline.ts, which runs it.
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { median, startChild } from './measure.js'
import { bothConnected } from '../parts/stampede.js'

/** Prints the timeline of `rounds` batches of `n` calls each way; `args` as bench/stampede-timeline.ts takes them. */
export async function timeline(args: string[]): Promise<void> {
  const [n = 100, rounds = 7, tokenSeconds = 60] = args.filter((a) => !a.startsWith('--')).map(Number)
  const profileTo = args.find((a) => a.startsWith('--profile='))?.slice('--profile='.length)

  interface Seen {
    what: string
    at: number
  }
  let seen: Seen[] = []
  let start = 0n
  const since = () => Number(process.hrtime.bigint() - start) / 1e6
  // Both clients reach the network through globalThis.fetch (grantflow's default door looks it up
  // at call time): the timeline is what left and came back, never a header or a body.
  const realFetch = globalThis.fetch
  globalThis.fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input)
    const kind = url.includes('/token') ? 'token' : url.includes('/organisations/') ? 'api' : url.includes('/.well-known/') ? 'discovery' : 'other'
    seen.push({ what: `${kind} sent`, at: since() })
    const response = await realFetch(input, init)
    seen.push({ what: `${kind} answered`, at: since() })
    return response
  }

  const server = await startChild<{ issuer: string; resourceUrl: string }>('oidc.ts', [String(tokenSeconds)])
  const { grantflow, call, clock, ideal } = await bothConnected(server)

  const ms = (x: number | undefined) => (x === undefined ? '     -' : x.toFixed(2).padStart(6))
  async function batch(label: string, one: () => Promise<unknown>) {
    seen = []
    start = process.hrtime.bigint()
    const cpu = process.cpuUsage()
    await Promise.all(Array.from({ length: n }, one))
    const used = process.cpuUsage(cpu)
    const wall = since()
    const first = (what: string) => seen.find((s) => s.what === what)?.at
    const last = (what: string) => seen.findLast((s) => s.what === what)?.at
    const discovery = first('discovery sent') === undefined ? '' : ` | discovery ${ms(first('discovery sent'))}–${ms(first('discovery answered'))}`
    console.log(
      `${label.padEnd(9)} token ${ms(first('token sent'))}–${ms(first('token answered'))} | API first ${ms(first('api sent'))}–${ms(first('api answered'))}, last ${ms(last('api sent'))}–${ms(last('api answered'))} | end ${ms(wall)}${discovery}`,
    )
    return { wall, cpu: (used.user + used.system) / 1000, tokenSent: first('token sent') ?? NaN }
  }

  const inspector = new Session()
  if (profileTo) {
    // The client side of the batches only: the consents and the provider's process are left out.
    inspector.connect()
    await inspector.post('Profiler.enable')
    await inspector.post('Profiler.start')
  }
  const rows: { flow: Awaited<ReturnType<typeof batch>>; ideal: Awaited<ReturnType<typeof batch>> }[] = []
  for (let r = 0; r < rounds; r++) {
    clock.advance(tokenSeconds * 1000)
    const flow = await batch('grantflow', () => call('grantflow'))
    ideal.expire()
    rows.push({ flow, ideal: await batch('ideal', () => ideal.call()) })
  }
  if (profileTo) writeFileSync(profileTo, JSON.stringify((await inspector.post('Profiler.stop')).profile))
  const med = (pick: (row: (typeof rows)[number]) => number) => median(rows.map(pick))
  console.log(
    `N = ${n}, ${rounds} rounds: wall ratio ${med((r) => r.flow.wall / r.ideal.wall).toFixed(2)}×, client CPU ${med((r) => r.flow.cpu).toFixed(1)} vs ${med((r) => r.ideal.cpu).toFixed(1)} ms (ratio ${med((r) => r.flow.cpu / r.ideal.cpu).toFixed(2)}×); grantflow's token request left at ${med((r) => r.flow.tokenSent).toFixed(2)} ms, the ideal's at ${med((r) => r.ideal.tokenSent).toFixed(2)} ms (medians)`,
  )
  grantflow.dispose()
  await server.stop()
}
