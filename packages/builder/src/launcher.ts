// The archive's `install`: a POSIX sh launcher. Kept in its own module so the installer side can refine it.

/** The exact text of the archive's `install` launcher (POSIX sh, runs installer.mjs with a usable Node). */
export function launcherScript(): string {
  return `#!/bin/sh
# rdbpkg installer launcher: runs installer.mjs with the Node runtime carried in runtime/, else node >= 18 on PATH.
dir=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd) || exit 1
if [ -x "$dir/runtime/node" ]; then
  node="$dir/runtime/node"
elif command -v node >/dev/null 2>&1 && [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -ge 18 ] 2>/dev/null; then
  node=node
else
  echo 'install: no usable Node.js runtime: install Node.js >= 18, or rebuild this archive with --node-runtime' >&2
  exit 127
fi
exec "$node" "$dir/installer.mjs" "$@"
`
}
