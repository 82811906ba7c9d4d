#!/usr/bin/python
# -*- coding: utf-8 -*-
# Runs on the target: Python 2.7 (CentOS 7) and 3.6 (EL8 platform-python) alike, so no f-strings and no
# type hints. It wraps the archive's ./install, whose --json result decides "changed".
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: install
short_description: Install, upgrade or roll back an rdbpkg archive on a host
description:
  - Unpacks an rdbpkg archive (C(<package_name>.tar.gz)) already on the host and runs its C(./install --json).
  - C(changed) comes from the installer's JSON result (installed, upgraded, rolled back), never from the command
    having run; a second identical run reports ok.
  - Check mode runs C(./install --dry-run --json) and reports what would change; with C(--diff) it shows the
    versions before and after and each configuration file's fate (.rpmnew, .rpmsave, kept).
  - A rerun is cheap. Once C(./install) has said which package an archive installs (C(name-version-release.arch),
    kept beside the archive with the archive's sha256), a later run with the same archive first asks the host
    (C(./install --status --json), which reads no payload) and reports ok without running C(./install) when that
    exact package is installed, the last transaction finished and no killed run left services stopped. Anything
    else (another version installed, an interrupted transaction, services left stopped, another archive, an
    archive carrying wheels) runs C(./install) as usual.
  - Failures name the installer's exit code and its meaning (3 OS, 4 services, 5 digest, 6 lock, 7 precondition,
    8 root, 127 no runtime), also when the installer printed no JSON.
options:
  archive:
    description: Path on the host of the archive C(<package_name>.tar.gz). It is unpacked beside itself (again
      only when its content changed). Check mode unpacks too, so that the installer can plan.
    type: path
    required: true
  state:
    description:
      - C(present) installs or upgrades to the archive's version.
      - C(rolled_back) undoes the last transaction of the archive's product, only when that transaction
        installed I(version) (default, the archive itself); otherwise nothing is done (idempotent).
      - C(status) reports what the host has of the product (C(./install --status --json)); never changes anything.
    type: str
    choices: [present, rolled_back, status]
    default: present
  stop_services:
    description: Let the installer stop the product's running services and start them again (C(./install -f)).
      C(-f) is passed only when a change is pending, so it never turns a no-op into a reinstall.
    type: bool
    default: false
  version:
    description: With I(state=rolled_back), the version the last transaction must have installed for the roll back
      to happen. Default, the archive's own package.
    type: str
  root:
    description: Operate on another root (C(./install --root)).
    type: path
    default: /
author: rdbpkg
'''

EXAMPLES = r'''
- name: Install or upgrade the agent
  rdbpkg.fleet.install:
    archive: /var/tmp/rdbpkg/rdb_agent_5.7.1.0_centos.x86_64.tar.gz
    stop_services: true

- name: Undo the 5.7.1.0 upgrade where it was the last transaction
  rdbpkg.fleet.install:
    archive: /var/tmp/rdbpkg/rdb_agent_5.7.1.0_centos.x86_64.tar.gz
    state: rolled_back
'''

RETURN = r'''
status:
  description: The installer's status (installed, upgraded, reinstalled, unchanged, planned, rolled-back, reported).
  type: str
  returned: always
from:
  description: The package installed before (name-version-release.arch).
  type: str
  returned: when something was installed
to:
  description: The package installed now (or planned).
  type: str
  returned: when known
created:
  description: Every .rpmnew, .rpmsave and .rpmorig the run created (path, savedAs, kind).
  type: list
  returned: always
rc:
  description: The installer's exit code.
  type: int
  returned: when the installer ran
exit_meaning:
  description: What the exit code means.
  type: str
  returned: when the installer ran
result:
  description: The installer's whole JSON result.
  type: dict
  returned: when the installer printed one
host:
  description: What the host has of the product (installed, version, last, pending, drift, stopped), from
    C(./install --status --json).
  type: dict
  returned: with state=status, and when a rerun was found to have nothing to do without running C(./install)
skipped_install:
  description: True when C(./install) was not run because the host already has the archive's exact package.
  type: bool
  returned: with state=present
'''

import hashlib
import json
import os
import shutil
import tempfile

from ansible.module_utils.basic import AnsibleModule

EXIT_MEANINGS = {
    0: 'done, or nothing to do',
    1: 'failed, and rolled back',
    2: 'usage',
    3: 'OS not in os_release',
    4: 'services running and no -f (set stop_services)',
    5: 'archive digest or signature bad (nothing written)',
    6: 'another install holds the lock',
    7: 'precondition: nothing to update, downgrade without -f, or wrong arch',
    8: 'needs root (become: true)',
    126: 'the launcher could not be run',
    127: 'no usable Node.js runtime on the host',
}

CHANGED = ('installed', 'upgraded', 'reinstalled', 'downgraded', 'rolled-back')
SERVICES_RUNNING = 4
# Archives whose payload carries Python wheels (SPEC: install_update_code): the installer compares the installed
# distributions too, so the tracked package's version alone cannot say "nothing to do".
WHEEL_TYPES = ('install_update_code',)


def exit_meaning(rc):
    return EXIT_MEANINGS.get(rc, 'unknown exit code')


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


def package_name_of(archive):
    name = os.path.basename(archive)
    if not name.endswith('.tar.gz'):
        return None
    return name[:-len('.tar.gz')]


def unpack(module, archive):
    """Unpacks the archive beside itself into <package_name>/, unless that folder already holds this content."""
    name = package_name_of(archive)
    if name is None:
        module.fail_json(msg='archive: expected <package_name>.tar.gz, found %s' % archive)
    if not os.path.isfile(archive):
        module.fail_json(msg='archive: %s does not exist on the host (copy it first)' % archive)
    parent = os.path.dirname(os.path.abspath(archive))
    folder = os.path.join(parent, name)
    marker = os.path.join(parent, '.%s.sha256' % name)
    digest = sha256_of(archive)
    try:
        with open(marker) as handle:
            unpacked = handle.read().strip() == digest and os.path.isfile(os.path.join(folder, 'install'))
    except (IOError, OSError):
        unpacked = False
    if unpacked:
        return folder, digest
    # Into a fresh folder first, renamed into place: a half-extracted archive is never run.
    scratch = tempfile.mkdtemp(prefix='.unpack-', dir=parent)
    try:
        rc, out, err = module.run_command(['tar', '-xzf', archive, '-C', scratch, '--no-same-owner'])
        if rc != 0:
            module.fail_json(msg='archive: %s: tar -xzf failed: %s' % (archive, (err or out).strip()), rc=rc)
        inner = os.path.join(scratch, name)
        if not os.path.isfile(os.path.join(inner, 'install')):
            module.fail_json(msg='archive: %s: expected one folder %s/ holding ./install' % (archive, name))
        if os.path.isdir(folder):
            shutil.rmtree(folder)
        os.rename(inner, folder)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    with open(marker + '.tmp', 'w') as handle:
        handle.write(digest + '\n')
    os.rename(marker + '.tmp', marker)
    return folder, digest


def target_file(archive):
    parent = os.path.dirname(os.path.abspath(archive))
    return os.path.join(parent, '.%s.target' % package_name_of(archive))


def known_target(archive, digest):
    """The package (name-version-release.arch) ./install said this archive installs, if it said so for this content."""
    try:
        with open(target_file(archive)) as handle:
            known = json.load(handle)
    except (IOError, OSError, ValueError):
        return None
    if not isinstance(known, dict) or known.get('sha256') != digest or not known.get('to'):
        return None
    return known['to']


def remember_target(archive, digest, parsed):
    """Keeps what ./install said the archive installs, keyed by the archive's sha256 (a cache: losing it costs a run)."""
    if not isinstance(parsed, dict) or not parsed.get('to') or parsed.get('packageType') in WHEEL_TYPES:
        return
    path = target_file(archive)
    try:
        with open(path + '.tmp', 'w') as handle:
            handle.write(json.dumps({'sha256': digest, 'to': parsed['to']}) + '\n')
        os.rename(path + '.tmp', path)
    except (IOError, OSError):
        pass


def run_installer(module, folder, args):
    """Runs ./install ARGS --json in the archive folder; returns (rc, parsed result or None, stdout, stderr)."""
    command = [os.path.join(folder, 'install')] + args + ['--json']
    if module.params['root'] not in (None, '/'):
        command += ['--root', module.params['root']]
    rc, out, err = module.run_command(command, cwd=folder)
    parsed = None
    start = out.find('{')
    if start >= 0:
        try:
            parsed = json.loads(out[start:])
        except ValueError:
            parsed = None
    return rc, parsed, out, err


def fail(module, rc, parsed, out, err, what):
    message = None
    if isinstance(parsed, dict):
        message = parsed.get('error')
    if not message:
        lines = [line for line in (err or out or '').strip().splitlines() if line.strip()]
        message = lines[-1] if lines else 'no output'
    module.fail_json(
        msg='%s: ./install exited %d (%s): %s' % (what, rc, exit_meaning(rc), message),
        rc=rc,
        exit_meaning=exit_meaning(rc),
        result=parsed,
        stdout=out,
        stderr=err,
    )


def config_fates(plan):
    """Each configuration file's fate in a dry-run plan, as 'path: fate' lines."""
    lines = []
    for entry in (plan or {}).get('files', []):
        reason = entry.get('reason') or ''
        fate = entry.get('fate')
        if 'config' in reason or fate in ('altname', 'save', 'backup'):
            lines.append('%s: %s' % (entry.get('path'), reason or fate))
    return lines


def version_diff(before, after, extra_after=None):
    return {
        'before_header': 'installed before',
        'after_header': 'installed after',
        'before': '%s\n' % (before or '(none)'),
        'after': '%s\n%s' % (after or '(none)', ''.join('%s\n' % line for line in (extra_after or []))),
    }


def created_diff_lines(created):
    lines = []
    for entry in created or []:
        if entry.get('kind') == 'rpmnew':
            lines.append('%s: kept, new version as %s' % (entry.get('path'), entry.get('savedAs')))
        elif entry.get('kind') == 'rpmsave':
            lines.append('%s: edited file saved as %s, new version written' % (entry.get('path'), entry.get('savedAs')))
        else:
            lines.append('%s: unowned file saved as %s' % (entry.get('path'), entry.get('savedAs')))
    return lines


def summarize(parsed, rc):
    return dict(
        status=parsed.get('status'),
        created=parsed.get('created', []),
        rc=rc,
        exit_meaning=exit_meaning(rc),
        result=parsed,
        services=parsed.get('services', {}),
        **dict((key, parsed[key]) for key in ('from', 'to', 'record') if parsed.get(key) is not None)
    )


def already_there(module, folder, archive, digest):
    """The host's status when it already has exactly the package this archive installs and nothing is unfinished."""
    target = known_target(archive, digest)
    if target is None:
        return None
    rc, parsed, out, err = run_installer(module, folder, ['--status'])
    host = parsed.get('host') if rc == 0 and isinstance(parsed, dict) else None
    if not isinstance(host, dict) or host.get('installed') != target or host.get('stopped'):
        return None
    last = host.get('last')
    if isinstance(last, dict) and last.get('interrupted'):
        return None
    return target, host


def present(module, folder, digest):
    archive = module.params['archive']
    # A rerun: the host answers from its package database and the installer's records, no payload read.
    known = already_there(module, folder, archive, digest)
    if known is not None:
        target, host = known
        module.exit_json(
            changed=False, status='unchanged', skipped_install=True, to=target, host=host, created=[], rc=0,
            exit_meaning=exit_meaning(0), msg='%s is already installed and nothing is unfinished: ./install not run' % target,
        )
    if module.check_mode:
        rc, parsed, out, err = run_installer(module, folder, ['--dry-run'])
        if rc != 0 or parsed is None:
            fail(module, rc, parsed, out, err, 'dry run')
        changed = parsed.get('status') == 'planned'
        result = summarize(parsed, rc)
        result['plan'] = parsed.get('plan')
        if changed and module._diff:
            result['diff'] = version_diff(parsed.get('from'), parsed.get('to'), config_fates(parsed.get('plan')))
        if changed and (parsed.get('plan') or {}).get('services') and not module.params['stop_services']:
            result['warnings'] = ['services running, the install would refuse (exit 4) without stop_services: %s' % ', '.join(parsed['plan']['services'])]
        remember_target(archive, digest, parsed)
        module.exit_json(changed=changed, skipped_install=False, **result)

    rc, parsed, out, err = run_installer(module, folder, [])
    # Exit 4 comes only after the version check: a change is pending, so -f now cannot turn a no-op into a reinstall.
    if rc == SERVICES_RUNNING and module.params['stop_services']:
        rc, parsed, out, err = run_installer(module, folder, ['-f'])
    if rc != 0 or parsed is None:
        fail(module, rc, parsed, out, err, 'install')
    changed = parsed.get('status') in CHANGED
    result = summarize(parsed, rc)
    if changed and module._diff:
        result['diff'] = version_diff(parsed.get('from'), parsed.get('to'), created_diff_lines(parsed.get('created')))
    remember_target(archive, digest, parsed)
    module.exit_json(changed=changed, skipped_install=False, **result)


def rolled_back(module, folder):
    rc, parsed, out, err = run_installer(module, folder, ['--history'])
    if rc != 0 or parsed is None:
        fail(module, rc, parsed, out, err, 'history')
    records = parsed.get('history') or []
    last = records[-1] if records else None
    version = module.params['version']
    name = package_name_of(module.params['archive'])

    def installed_it(record):
        if record is None or record.get('action') == 'rollback' or record.get('rolledBackBy') or not record.get('to'):
            return False
        if version:
            return ('-%s-' % version) in record['to']
        return record.get('packageName') == name

    if not installed_it(last):
        what = version or name
        reason = 'no transaction' if last is None else 'the last transaction (%s %s) did not install %s' % (last.get('action'), last.get('to') or '-', what)
        module.exit_json(changed=False, status='unchanged', created=[], msg='nothing to roll back: %s' % reason, last=last)

    result = dict(status='rolled-back', created=[], last=last)
    result['from'] = last.get('to')
    if last.get('from'):
        result['to'] = last['from']
    if module._diff:
        result['diff'] = version_diff(last.get('to'), last.get('from'))
    if module.check_mode:
        module.exit_json(changed=True, **result)
    rc, parsed, out, err = run_installer(module, folder, ['--rollback'])
    if rc == SERVICES_RUNNING and module.params['stop_services']:
        rc, parsed, out, err = run_installer(module, folder, ['--rollback', '-f'])
    if rc != 0 or parsed is None:
        fail(module, rc, parsed, out, err, 'rollback')
    final = summarize(parsed, rc)
    if 'diff' in result:
        final['diff'] = result['diff']
    final['last'] = last
    module.exit_json(changed=parsed.get('status') in CHANGED, **final)


def status(module, folder):
    rc, parsed, out, err = run_installer(module, folder, ['--status'])
    if rc != 0 or parsed is None:
        fail(module, rc, parsed, out, err, 'status')
    module.exit_json(changed=False, status=parsed.get('status'), host=parsed.get('host'), rc=rc, exit_meaning=exit_meaning(rc), created=[])


def main():
    module = AnsibleModule(
        argument_spec=dict(
            archive=dict(type='path', required=True),
            state=dict(type='str', default='present', choices=['present', 'rolled_back', 'status']),
            stop_services=dict(type='bool', default=False),
            version=dict(type='str'),
            root=dict(type='path', default='/'),
        ),
        supports_check_mode=True,
    )
    folder, digest = unpack(module, module.params['archive'])
    state = module.params['state']
    if state == 'present':
        present(module, folder, digest)
    elif state == 'rolled_back':
        rolled_back(module, folder)
    else:
        status(module, folder)


if __name__ == '__main__':
    main()
