// Test helpers other test-only packages reuse (packages/fleet builds its archives with these): every export by name.
export { ARCH, binary, buildAndExtract, buildArchive, payloadWithRpm, pidsRunning, writeTree } from './_test-e2e.js'
export type { TestRpmFile, TreeFile } from './_test-e2e.js'
export { ownedTempDir, processAlive, sweepDeadOwned } from './_test-owned.js'
