// `npx tsx bench/stampede-timeline.ts [N] [rounds] [token seconds] [--profile=file.cpuprofile] [--source]`:
// where the time of a stampede batch goes, grantflow's and the ideal client's side by side (the
// stampede part's world, bench/parts/stampede.ts). Per round, for each: when the token request
// left and was answered, when the first and last API calls left and were answered, when the batch
// ended (ms from its start), the discovery request if one was made; then medians of the wall and
// client-CPU ratios. Built and run by plain Node, as the stampede part runs its batches (see
// bench/lib/built.ts); `--source` runs it from source under tsx instead, whose resolve hook makes
// each `import()` cost 100–275 µs. Not part of `npm run bench`: the tool to find why a ratio moved.
import { runBuilt } from './lib/built.js'
import { timeline } from './lib/stampedeTimeline.js'

const args = process.argv.slice(2)
if (args.includes('--source')) await timeline(args)
else await runBuilt('stampedeTimeline.ts', args)
