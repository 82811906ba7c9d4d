// rpm's multilib colors: the 32-bit (color 1) and 64-bit (color 2) builds of a package may both be installed, and
// where their files clash (an ELF binary in both) the transaction's preferred color wins instead of a conflict.
// rpm's own words on it (lib/transaction.c): "infamously nasty rpm magic".

/**
 * A transaction's colors, as rpm's `%_transaction_color` and `%_prefer_color`: the file colors it installs (bits,
 * 0: colors play no part) and the one that wins a clash between the builds.
 */
export interface TransactionColors {
  transaction: number
  prefer: number
}

// The arches whose rpm platform macros set %_transaction_color 3 (the 64-bit multilib ones); elsewhere it is 0.
const MULTILIB_ARCHES = new Set([
  'x86_64',
  'amd64',
  'ia32e',
  'aarch64',
  'ppc64',
  'ppc64le',
  'ppc64p7',
  's390x',
  'sparc64',
  'sparc64v',
  'mips64',
  'mips64el',
  'mips64r6',
  'mips64r6el',
  'riscv64',
  'loongarch64',
])

/** rpm's colors on a machine of `arch` (uname -m): 3 on the 64-bit multilib arches, else 0; 64-bit preferred. */
export function defaultColors(arch: string): TransactionColors {
  return { transaction: MULTILIB_ARCHES.has(arch) ? 3 : 0, prefer: 2 }
}

/**
 * rpm's handleColorConflict: of two differing files at one path, which one the colors keep (`new`: the file being
 * installed, `old`: the other one), or undefined when colors settle nothing and it stays a conflict.
 */
export function colorWinner(
  colors: TransactionColors | undefined,
  newColor: number | undefined,
  oldColor: number | undefined,
): 'new' | 'old' | undefined {
  if (colors === undefined || colors.transaction === 0) return undefined
  const mine = (newColor ?? 0) & colors.transaction
  const theirs = (oldColor ?? 0) & colors.transaction
  if (mine === 0 || theirs === 0 || mine === theirs) return undefined
  if ((mine & colors.prefer) !== 0) return 'new'
  if ((theirs & colors.prefer) !== 0) return 'old'
  return undefined
}

/** rpm's skipInstallFiles: a colored file of no color the transaction installs is never written. */
export function outsideColors(colors: TransactionColors | undefined, color: number | undefined): boolean {
  return (
    colors !== undefined && colors.transaction !== 0 && (color ?? 0) !== 0 && (colors.transaction & (color ?? 0)) === 0
  )
}

/**
 * rpm's skipColor: a new package leaves an installed one of its name alone on upgrade when both are colored and
 * share no color (the other build of a multilib package). `elementColor` is the new package's, `installedColor`
 * the installed one's header color ({@link headerColor}).
 */
export function keepsOtherBuild(
  colors: TransactionColors | undefined,
  elementColor: number | undefined,
  installedColor: number,
): boolean {
  const mine = elementColor ?? 0
  return (
    colors !== undefined &&
    colors.transaction !== 0 &&
    mine !== 0 &&
    installedColor !== 0 &&
    (mine & installedColor) === 0
  )
}

/** rpm's HEADERCOLOR: the colors of a package's files, or'ed. */
export function headerColor(files: readonly { color?: number }[]): number {
  let color = 0
  for (const f of files) color |= f.color ?? 0
  return color
}
