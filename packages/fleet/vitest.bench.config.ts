import { defineProject } from 'vitest/config'

// `pnpm bench`: the rollout figures (bench/rollout.bench-run.ts prints them; it asserts nothing).
export default defineProject({
  test: {
    name: 'fleet-bench',
    include: ['bench/**/*.bench-run.ts'],
    testTimeout: 1_800_000,
    hookTimeout: 600_000,
  },
})
