// rpm's relocation (lib/relocation.c): a package that declares prefixes (`Prefixes: /opt/app`) may be installed
// elsewhere, `--relocate OLD=NEW` moving what is at or below OLD, `--prefix NEW` its one prefix. Its files are
// recorded where they went and its scriptlets learn it from $RPM_INSTALL_PREFIX0...

/** A move of everything at or below `from` to `to` (rpm's --relocate OLD=NEW). */
export interface Relocation {
  from: string
  to: string
}

/** The relocations asked for a transaction: rpm's --relocate (each given), --prefix and --badreloc. */
export interface RelocationRequest {
  relocations?: readonly Relocation[] | undefined
  prefix?: string | undefined
  badreloc?: boolean | undefined
}

/** What a request means for one package: its relocations (longest `from` first) and rpm's problem lines. */
export interface PackageRelocations {
  relocations: Relocation[]
  problems: string[]
}

// rpm strips trailing slashes of both paths (but `/` stays `/`).
const trimmed = (p: string): string => (p === '/' ? p : p.replace(/\/+$/, '') || '/')

/**
 * rpm's rpmRelocationBuild and rpmteAddRelocProblems for one package: `--prefix` moves its only prefix (one that
 * has none or several is `not relocatable`, rpm's error when it reads the package); a `--relocate` whose old path
 * is none of its prefixes is a problem (`path OLD in package NEVRA is not relocatable`) unless `--badreloc`, and
 * then applies all the same.
 */
export function packageRelocations(
  h: { name: string; prefixes?: readonly string[] | undefined },
  nevra: string,
  request: RelocationRequest,
): PackageRelocations {
  const prefixes = h.prefixes ?? []
  const problems: string[] = []
  const asked: Relocation[] = []
  if (request.prefix !== undefined) {
    if (prefixes.length !== 1) problems.push(`error: package ${h.name} is not relocatable`)
    else asked.push({ from: prefixes[0] as string, to: request.prefix })
  }
  for (const r of request.relocations ?? []) asked.push(r)
  const relocations = asked.map((r) => ({ from: trimmed(r.from), to: trimmed(r.to) }))
  if (request.prefix === undefined && request.badreloc !== true)
    for (const r of relocations)
      if (!prefixes.includes(r.from)) problems.push(`\tpath ${r.from} in package ${nevra} is not relocatable`)
  // The longest old path first: /usr/local's relocation wins over /usr's for what is below both.
  relocations.sort((a, b) => b.from.length - a.from.length)
  return { relocations, problems }
}

/** Where `path` goes under `relocations` (the first whose old path it is at or below), or `path` itself. */
export function relocatedPath(path: string, relocations: readonly Relocation[]): string {
  for (const r of relocations) {
    const from = r.from === '/' ? '' : r.from
    if (path !== from && !path.startsWith(`${from}/`)) continue
    const moved = `${r.to === '/' ? '' : r.to}${path.slice(from.length)}`
    return moved === '' ? '/' : moved
  }
  return path
}

/** rpm's INSTPREFIXES: each prefix where its relocation took it (a prefix not relocated stays as it is). */
export function installPrefixes(prefixes: readonly string[], relocations: readonly Relocation[]): string[] {
  return prefixes.map((p) => relocations.find((r) => r.from === p)?.to ?? p)
}
