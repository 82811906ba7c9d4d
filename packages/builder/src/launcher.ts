// The archive's `install`: a POSIX sh launcher. Kept in its own module so the installer side can refine it.

/**
 * The exact text of the archive's `install` launcher (POSIX sh): checks installer.mjs (and runtime/node) against
 * SHA256SUMS (exit 5 on a mismatch), then runs installer.mjs with a usable Node (exit 127 when there is none).
 */
export function launcherScript(): string {
  return `#!/bin/sh
# rdbpkg installer launcher: checks installer.mjs (and runtime/node) against SHA256SUMS, then runs installer.mjs with
# the Node runtime carried in runtime/, else node >= 18 on PATH.
dir=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd) || exit 1
# installer.mjs verifies every other file, but it cannot vouch for its own bytes: those are checked here (exit 5).
for f in installer.mjs runtime/node; do
  [ -e "$dir/$f" ] || [ "$f" = installer.mjs ] || continue
  want=
  while read -r sum name; do
    [ "\${name#\\*}" = "$f" ] && want=$sum
  done < "$dir/SHA256SUMS"
  if [ -z "$want" ]; then
    echo "install: $f: not listed in SHA256SUMS (the archive is damaged or tampered with)" >&2
    exit 5
  fi
  if command -v sha256sum >/dev/null 2>&1; then
    got=$(sha256sum < "$dir/$f")
    if [ "\${got%% *}" != "$want" ]; then
      echo "install: $f: sha256 mismatch with SHA256SUMS (the archive is damaged or tampered with)" >&2
      exit 5
    fi
  fi
done
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
