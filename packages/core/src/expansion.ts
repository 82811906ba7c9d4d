// The decompression-bomb rule (SPEC 4), shared so the builder never accepts a payload that ./install refuses.

/** The expansion ratio refused by default: a payload may expand to 100 times its compressed size. */
export const DEFAULT_MAX_RATIO = 100

/**
 * Small payloads may always expand to this many bytes, whatever the ratio: a tar of a few small files pads to
 * 10 KiB and compresses to a few hundred bytes, which is not a bomb.
 */
export const MIN_EXPANSION_ALLOWANCE = 1024 * 1024

/** The most bytes a payload of `compressedSize` bytes may expand to: `maxRatio` times, never below the floor. */
export function expansionLimit(compressedSize: number, maxRatio: number = DEFAULT_MAX_RATIO): number {
  return Math.max(compressedSize * maxRatio, MIN_EXPANSION_ALLOWANCE)
}
