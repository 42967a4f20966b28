// Entry of bench/stampede-timeline.ts's child that runs built, in plain Node (see bench/lib/built.ts).
import { timeline } from '../lib/stampedeTimeline.js'

await timeline(JSON.parse(process.argv[2]!) as string[])
process.send!({ done: true }, () => process.disconnect())
