// The upstream oracle's rows from rpm's tests/rpmscript.at (and our own rows beside them): see upstream-oracle.test.ts.
import type { Scenario } from '../../_test-scenario.js'
import { E, HLINKTEST, I, Q, U, allScripts, fileTriggers, log, parallel, parallelTrigger } from './_test-specs.js'

export const SCENARIOS_RPMSCRIPT: Scenario[] = [
  // ---- rpmscript.at
  {
    name: 'basic scripts and arguments',
    from: 'rpmscript.at',
    pkgs: {
      a: { name: 'scripts', version: '1.0', files: [{ path: '/opt/s', data: '1' }], scripts: allScripts('1.0') },
      b: { name: 'scripts', version: '2.0', files: [{ path: '/opt/s', data: '2' }], scripts: allScripts('2.0') },
    },
    steps: [I('@a'), U('@b'), E('scripts')],
  },
  {
    name: 'basic script failures',
    from: 'rpmscript.at',
    pkgs: {
      pre: {
        name: 'fails',
        version: '1.0',
        files: [{ path: '/opt/fails/x', data: 'x' }],
        scripts: { pre: `${log('pre')}; exit 1` },
      },
      preun: {
        name: 'fails',
        version: '2.0',
        files: [{ path: '/opt/fails/x', data: 'y' }],
        scripts: { preun: `${log('preun')}; exit 1`, post: `${log('post')}; exit 1` },
      },
      next: {
        name: 'fails',
        version: '3.0',
        files: [{ path: '/opt/fails/x', data: 'z' }],
        scripts: { postun: `${log('postun')}; exit 1` },
      },
    },
    steps: [I('@pre'), I('@preun'), U('@next'), E('fails')],
  },
  {
    name: 'trigger scripts: package args',
    from: 'rpmscript.at',
    pkgs: {
      t: {
        name: 'triggers',
        triggers: ['triggerprein', 'triggerin', 'triggerun', 'triggerpostun'].map((kind) => ({
          kind: kind as 'triggerin',
          on: 'hello-script, hlinktest, non-existent',
          body: `echo triggers ${kind} $* >> /log`,
        })),
      },
      h: { name: 'hello-script', files: [{ path: '/opt/hs', data: 'h' }] },
      l: { name: 'hlinktest', files: [{ path: '/opt/hl', data: 'l' }] },
    },
    steps: [
      U('@t'),
      U('@h'),
      E('hello-script'),
      U('@h', '@l'),
      E('hello-script', 'hlinktest'),
      U('@h', '@l'),
      E('triggers'),
      U('@t'),
    ],
  },
  {
    // The trigger and scriptlet arguments through an upgrade of each side and an erase, in rpm's order.
    name: 'basic trigger scripts and arguments',
    from: 'rpmscript.at',
    pkgs: Object.fromEntries(
      ['1', '2'].flatMap((rel) => [
        [`s${rel}`, { name: 'scripts', release: rel, scripts: allScripts(`scripts-1.0-${rel}`) }],
        [
          `t${rel}`,
          {
            name: 'triggers',
            release: rel,
            triggers: (['triggerprein', 'triggerin', 'triggerun', 'triggerpostun'] as const).map((kind) => ({
              kind,
              on: 'scripts',
              body: log(`triggers-1.0-${rel} ${kind.toUpperCase()}`),
            })),
          },
        ],
      ]),
    ),
    steps: [U('@t1'), U('@s1'), U('@s2'), U('@t2'), E('scripts')],
  },
  // ---- rpmscript.at file triggers (the Lua ones of the upstream spec are left out: see 'a Lua scriptlet')
  {
    name: 'basic file trigger scripts',
    from: 'rpmscript.at',
    pkgs: {
      t: { name: 'filetriggers', triggers: fileTriggers(['/usr/bin', '/foo']) },
      h: {
        name: 'hello-script',
        files: [
          { path: '/usr/bin/hello', data: 'echo "Hello world!"' },
          { path: '/zoot', type: 'dir', recursive: true },
        ],
      },
      l: { name: 'hlinktest', files: HLINKTEST },
    },
    // As upstream: both packages in one command each way (rpm orders them: hlinktest first, as rpm-sim does).
    steps: [U('@t'), U('@h', '@l'), E('hello-script', 'hlinktest')],
  },
  {
    name: 'basic file triggers 2',
    from: 'rpmscript.at',
    pkgs: {
      ...Object.fromEntries(['1.0', '2.0', '3.0'].map((v) => [`p${v}`, parallel(v)])),
      t1: parallelTrigger('1.0'),
      t2: parallelTrigger('2.0'),
    },
    steps: [I('@p1.0', '@p2.0', '@p3.0'), U('@t1'), U('@t2'), E('parallel-trigger')],
  },
  {
    // Our own: priorities around rpm's bound (10000 and up before %post, below after), a trigger on its own
    // package's files, an upgrade whose kept files are no erased files, a failing trigger (a warning), ghosts and
    // shared directories, and the %transfiletriggerpostun an erasure sets off (run at the end, without input).
    name: 'file trigger priorities, upgrade and failure',
    from: 'rdbpkg',
    pkgs: {
      w: {
        name: 'watcher',
        files: [{ path: '/opt/w/own', data: 'w' }],
        triggers: [
          ...fileTriggers(['/opt/w', '/opt/d']),
          { kind: 'filetriggerin', on: '/opt/d/b', body: `${log('high-in')}; cat >> /log`, priority: 20000 },
          { kind: 'filetriggerin', on: '/opt/d', body: `${log('low-in')}; cat >> /log`, priority: 100 },
          { kind: 'filetriggerun', on: '/opt/d', body: `${log('low-un')}; cat >> /log`, priority: 5 },
          { kind: 'filetriggerpostun', on: '/opt/d/a', body: `${log('failing')}; exit 3` },
        ],
      },
      d1: {
        name: 'data',
        files: [
          { path: '/opt/d', type: 'dir' },
          { path: '/opt/d/a', data: '1' },
          { path: '/opt/d/b', data: '1' },
          { path: '/opt/d/g', type: 'none', attr: '%ghost' },
          { path: '/opt/dd', data: 'prefix, not a folder' },
        ],
        scripts: { post: log('data post'), postun: log('data postun') },
      },
      d2: {
        name: 'data',
        version: '2.0',
        files: [
          { path: '/opt/d', type: 'dir' },
          { path: '/opt/d/b', data: '2' },
          { path: '/opt/d/c', data: '2' },
        ],
        scripts: { post: log('data post'), postun: log('data postun') },
      },
    },
    steps: [
      U('@w'),
      U('@d1'),
      U('@d2'),
      E('data'),
      U('@d1'),
      Q('--filetriggers', 'watcher'),
      Q(
        '--qf',
        '[%{FILETRIGGERNAME} %{FILETRIGGERFLAGS} %{FILETRIGGERINDEX}\\n][%{FILETRIGGERPRIORITIES}\\n]',
        'watcher',
      ),
      Q('--qf', '[%{TRANSFILETRIGGERCONDS} %{TRANSFILETRIGGERTYPE} %{TRANSFILETRIGGERSCRIPTPROG}\\n]', 'watcher'),
      { rpm: ['-qp', '--filetriggerscripts', '@w'] },
      E('watcher'),
      E('data'),
    ],
  },
  {
    // A package's own %filetriggerin on its own files runs once, as they set it off: run on every installed file,
    // it leaves its own out. Its %filetriggerun runs twice: on every installed file, and as its files set it off.
    name: 'file triggers on their own package',
    from: 'rdbpkg',
    pkgs: {
      d: { name: 'data', files: [{ path: '/opt/d/a', data: '1' }] },
      w: {
        name: 'watcher2',
        files: [
          { path: '/opt/d/w', data: 'w' },
          { path: '/opt/e/x', data: 'x' },
        ],
        triggers: [
          { kind: 'filetriggerin', on: '/opt/d', body: `${log('in-d')}; cat >> /log` },
          { kind: 'filetriggerin', on: '/opt/e', body: `${log('in-e')}; cat >> /log` },
          { kind: 'filetriggerun', on: '/opt/e', body: `${log('un-e')}; cat >> /log` },
          { kind: 'filetriggerpostun', on: '/opt/e', body: `${log('postun-e')}; cat >> /log` },
        ],
      },
      v: { name: 'v2', files: [{ path: '/opt/e/y', data: 'y' }] },
    },
    steps: [U('@d'), U('--noorder', '@w', '@v'), E('watcher2')],
  },
  {
    // Our own: rpm's per-sense switches (--notriggerprein, --notriggerin, --notriggerun, --notriggerpostun) each turn
    // one sense off, of package triggers and file triggers alike (%transfiletrigger* too), and leave the others.
    name: '--notriggerprein, --notriggerin, --notriggerun, --notriggerpostun',
    from: 'rdbpkg',
    pkgs: {
      w: {
        name: 'watcher',
        triggers: [
          ...fileTriggers(['/opt/d']),
          ...(['triggerprein', 'triggerin', 'triggerun', 'triggerpostun'] as const).map((kind) => ({
            kind,
            on: 'data',
            body: log(kind),
          })),
        ],
      },
      d1: { name: 'data', files: [{ path: '/opt/d/a', data: '1' }], scripts: allScripts('data-1') },
      d2: { name: 'data', version: '2.0', files: [{ path: '/opt/d/b', data: '2' }], scripts: allScripts('data-2') },
    },
    steps: [
      U('@w'),
      U('--notriggerprein', '@d1'),
      U('--notriggerin', '@d2'),
      U('--notriggerun', '--oldpackage', '@d1'),
      U('--notriggerpostun', '@d2'),
      E('--notriggerin', '--notriggerun', 'data'),
      U('--notriggers', '@d1'),
      E('data'),
    ],
  },
  {
    // Our own: an interpreter the root does not have, or cannot run. rpm's child says why its exec failed
    // (doScriptExec), then rpm fails the scriptlet with exit status 127: a %pre stops the install, a %preun the erase,
    // a %post and a %verifyscript only warn. rpm-sim's chroot must not speak for it.
    name: 'a scriptlet whose interpreter is missing or cannot be run',
    from: 'rdbpkg',
    pkgs: {
      a: {
        name: 'nointerp',
        files: [{ path: '/opt/ni/a', data: 'a' }],
        scripts: { pre: '-p /usr/bin/nosuch\nexit 0' },
      },
      b: {
        name: 'badpost',
        files: [{ path: '/opt/ni/b', data: 'b' }],
        scripts: { post: '-p /opt/ni/noexec\nexit 0', verifyscript: '-p /opt/ni\nexit 0' },
      },
      d: { name: 'shpreun', files: [{ path: '/opt/ni/d', data: 'd' }], scripts: { preun: 'echo preun' } },
      c: {
        name: 'noexec',
        files: [
          { path: '/opt/ni', type: 'dir' },
          { path: '/opt/ni/noexec', data: '#!/bin/sh', attr: '%attr(0644,root,root)' },
        ],
      },
    },
    steps: [
      U('@a'),
      U('@c'),
      U('@b', '@d'),
      { rpm: ['-V', 'badpost'] },
      { sh: 'rm bin/sh' },
      E('shpreun'),
      { sh: 'ln -s busybox bin/sh' },
      E('shpreun'),
    ],
  },
  {
    // Our own: scriptlets inherit the environment rpm runs in (rpm's doScriptExec sets PATH alone), so a variable
    // an operator or an installer sets for the command reaches %pre, %post, %preun and %verifyscript.
    name: "scriptlets inherit the caller's environment, PATH set to rpm's",
    from: 'rdbpkg',
    pkgs: {
      a: {
        name: 'envs',
        files: [{ path: '/opt/envs/a', data: 'a' }],
        scripts: Object.fromEntries(
          (['pre', 'post', 'preun', 'verifyscript'] as const).map((k) => [
            k,
            `echo "${k} [$RDB_SITE] [$PATH] [$HOME] [$RPM_INSTALL_PREFIX]" >> /log`,
          ]),
        ),
      },
    },
    steps: [
      { rpm: ['-i', '@a'], env: { RDB_SITE: 'site-a' } },
      { rpm: ['-V', '--nodeps', 'envs'], env: { RDB_SITE: 'site-b' } },
      E('envs'),
    ],
  },
  {
    // Our own: scriptlets that die of a signal (rpm: `scriptlet failed, signal N`), a failing %posttrans (a warning),
    // a failing %pretrans of an update (the element is skipped, the old version stays), a failing %triggerun.
    name: 'scriptlets killed by a signal, failing %pretrans, %posttrans and %triggerun',
    from: 'rdbpkg',
    pkgs: {
      a: {
        name: 'sig',
        files: [{ path: '/opt/sig/a', data: '1' }],
        scripts: { post: `${log('post')}; kill -9 $$`, posttrans: `${log('posttrans')}; exit 3` },
      },
      b: {
        name: 'sig',
        version: '2.0',
        files: [{ path: '/opt/sig/a', data: '2' }],
        scripts: { pretrans: `${log('pretrans')}; exit 4` },
      },
      c: {
        name: 'sig',
        version: '3.0',
        files: [{ path: '/opt/sig/a', data: '3' }],
        scripts: { preun: `${log('preun')}; kill -TERM $$` },
      },
      w: { name: 'sigwatch', triggers: [{ kind: 'triggerun', on: 'sig', body: `${log('triggerun')}; exit 5` }] },
    },
    steps: [I('@a'), U('@b'), Q('-a'), U('@c'), I('@w'), E('sig'), E('sig'), Q('-a')],
  },
  {
    name: 'a Lua scriptlet',
    from: 'rpmscript.at (Lua)',
    pkgs: {
      a: {
        name: 'luascript',
        files: [{ path: '/opt/lua', data: 'l' }],
        scripts: { post: '-p <lua>\nprint("lua post")' },
      },
    },
    steps: [I('@a')],
    differs: {
      aspects: ['stdout', 'stderr'],
      reason: 'rpm-sim has no Lua interpreter: it skips <lua> scriptlets with a warning instead of running them',
    },
  },
]
