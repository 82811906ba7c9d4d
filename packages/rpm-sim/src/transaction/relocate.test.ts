import { describe, expect, it } from 'vitest'
import { installPrefixes, packageRelocations, relocatedPath } from './relocate.js'

const app = { name: 'app', prefixes: ['/opt/app'] }

describe('relocation (rpm --relocate, --prefix, --badreloc)', () => {
  it('moves what is at or below the old path, by whole components, the longest old path first', () => {
    const { relocations } = packageRelocations({ name: 'p', prefixes: ['/usr', '/usr/local'] }, 'p-1-1.noarch', {
      relocations: [
        { from: '/usr/', to: '/opt/usr' },
        { from: '/usr/local', to: '/srv/local/' },
      ],
    })
    expect(relocatedPath('/usr/local/bin/x', relocations)).toBe('/srv/local/bin/x')
    expect(relocatedPath('/usr/bin/x', relocations)).toBe('/opt/usr/bin/x')
    expect(relocatedPath('/usr', relocations)).toBe('/opt/usr')
    expect(relocatedPath('/usrx/y', relocations)).toBe('/usrx/y')
    expect(relocatedPath('/etc/x', [{ from: '/', to: '/chroot' }])).toBe('/chroot/etc/x')
    expect(relocatedPath('/opt/x', [{ from: '/opt', to: '/' }])).toBe('/x')
    expect(relocatedPath('/opt', [{ from: '/opt', to: '/' }])).toBe('/')
  })

  it('says a path that is not a prefix is not relocatable, unless --badreloc', () => {
    const asked = { relocations: [{ from: '/usr', to: '/opt' }] }
    expect(packageRelocations(app, 'app-1-1.noarch', asked).problems).toEqual([
      '\tpath /usr in package app-1-1.noarch is not relocatable',
    ])
    expect(packageRelocations(app, 'app-1-1.noarch', { ...asked, badreloc: true }).problems).toEqual([])
  })

  it('moves a package’s only prefix with --prefix, and refuses one without exactly one', () => {
    expect(packageRelocations(app, 'app-1-1.noarch', { prefix: '/srv/app' }).relocations).toEqual([
      { from: '/opt/app', to: '/srv/app' },
    ])
    expect(packageRelocations({ name: 'plain' }, 'plain-1-1.noarch', { prefix: '/srv' }).problems).toEqual([
      'error: package plain is not relocatable',
    ])
  })

  it('records where each prefix went', () => {
    expect(installPrefixes(['/opt/bin', '/opt/etc'], [{ from: '/opt/bin', to: '/bin' }])).toEqual(['/bin', '/opt/etc'])
  })
})
