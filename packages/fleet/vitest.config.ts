import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'fleet',
    include: ['src/**/*.test.ts'],
    // ansible-playbook over ssh is slow on a loaded machine: generous limits, never timing assertions.
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
})
