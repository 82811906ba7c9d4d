// The archive's `install`: a POSIX sh launcher. Kept in its own module so the installer side can refine it.
import { NODE_FLOOR, parseNodeVersion } from '@rdbpkg/core'

/**
 * The exact text of the archive's `install` launcher (POSIX sh): checks installer.mjs (and runtime/node) against
 * SHA256SUMS (exit 5 on a mismatch), then runs installer.mjs with the first Node that starts and is at least
 * {@link NODE_FLOOR}: runtime/node, else node on PATH; exit 127 with one line naming what it found when neither.
 */
export function launcherScript(): string {
  const floor = parseNodeVersion(NODE_FLOOR)
  if (floor === undefined) throw new Error(`NODE_FLOOR ${NODE_FLOOR} is not a version`)
  return `#!/bin/sh
# rdbpkg installer launcher: checks installer.mjs (and runtime/node) against SHA256SUMS, then runs installer.mjs with
# the Node runtime carried in runtime/, else node >= ${NODE_FLOOR} on PATH.
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
nl='
'
# A Node that hangs when asked its version (a broken binary, a kernel it cannot run on) must not hang ./install:
# where coreutils' timeout exists (el7 has it), the check gets RDBPKG_NODE_CHECK_TIMEOUT seconds (default 30).
limit=\${RDBPKG_NODE_CHECK_TIMEOUT:-30}
case $limit in ''|*[!0-9]*|0) limit=30 ;; esac
# Only a timeout that takes coreutils' arguments (an old busybox one does not) is used. --foreground: timeout
# signals the Node alone, never its own process group, so the shell has no "Killed" of its own to print.
timed=
timeout --foreground -k 5 "$limit" sh -c : >/dev/null 2>&1 && timed=1
# usable NODE: a Node that starts here and is at least ${NODE_FLOOR}; else sets $why to what was found.
usable() {
  # exec 2>&1 first: what the shell itself says of a Node killed by a signal (Killed, Segmentation fault) is
  # captured too, never printed beside the one line.
  if [ -n "$timed" ]; then
    out=$(exec 2>&1 </dev/null; timeout --foreground -k 5 "$limit" "$1" -e 'process.stdout.write(process.versions.node)')
  else
    out=$(exec 2>&1 </dev/null; "$1" -e 'process.stdout.write(process.versions.node)')
  fi
  rc=$?
  if [ -n "$timed" ] && { [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; }; then
    why="does not answer within $limit s"
    return 1
  fi
  if [ "$rc" -ne 0 ]; then
    why="cannot start (\${out%%"$nl"*})"
    return 1
  fi
  v=\${out%%-*}
  case $v in
  [0-9]*.[0-9]*.[0-9]*) ;;
  *) why="does not answer like Node.js (printed: \${out%%"$nl"*})"; return 1 ;;
  esac
  case $v in *[!0-9.]*) why="prints an unknown version ($v)"; return 1 ;; esac
  old_ifs=$IFS; IFS=.; set -- $v; IFS=$old_ifs
  if [ "$1" -gt ${floor.major} ] || { [ "$1" -eq ${floor.major} ] && { [ "$2" -gt ${floor.minor} ] || { [ "$2" -eq ${floor.minor} ] && [ "$3" -ge ${floor.patch} ]; }; }; }; then
    return 0
  fi
  why="is v$v, older than ${NODE_FLOOR}"
  return 1
}
node=
found=
if [ -e "$dir/runtime/node" ]; then
  if usable "$dir/runtime/node"; then node="$dir/runtime/node"; else found="runtime/node $why"; fi
fi
if [ -z "$node" ]; then
  if command -v node >/dev/null 2>&1; then
    if usable node; then node=node; else found="\${found:+$found; }node on PATH ($(command -v node)) $why"; fi
  else
    found="\${found:+$found; }no node on PATH"
  fi
fi
if [ -z "$node" ]; then
  echo "install: no usable Node.js: $found; install Node.js >= ${NODE_FLOOR} (el7: nodejs from EPEL) or use an archive built with --node-runtime" >&2
  exit 127
fi
exec "$node" "$dir/installer.mjs" "$@"
`
}
