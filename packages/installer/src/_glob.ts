// A small glob matcher for config_files (`**/*.conf`, `etc/*.yml`): the bundle must run on Node 16.17, which has
// no path.matchesGlob, and pulling a glob library into every archive for this is not worth it.

/** Compiles a glob (`*`, `?`, `**`, `[...]`) over `/`-separated relative paths into a RegExp. */
export function globToRegExp(glob: string): RegExp {
  let source = ''
  let i = 0
  const pattern = glob.replace(/^\.\//, '')
  while (i < pattern.length) {
    const c = pattern[i]!
    if (c === '*' && pattern[i + 1] === '*') {
      const slashAfter = pattern[i + 2] === '/'
      source += slashAfter ? '(?:[^/]*/)*' : '.*'
      i += slashAfter ? 3 : 2
      continue
    }
    if (c === '*') source += '[^/]*'
    else if (c === '?') source += '[^/]'
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1)
      if (end === -1) source += '\\['
      else {
        const body = pattern
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')
        source += `[${body}]`
        i = end
      }
    } else source += c.replace(/[.+^${}()|\\]/g, '\\$&')
    i++
  }
  return new RegExp(`^${source}$`)
}

/** True when `path` (relative, `/`-separated) matches any of `globs`. */
export function matchesAny(path: string, globs: readonly RegExp[]): boolean {
  return globs.some((glob) => glob.test(path))
}
