// Ed25519 signing of SHA256SUMS: the key is loaded and checked before anything is written.
import { createPrivateKey, createPublicKey, sign } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { RdbpkgError } from '@rdbpkg/core'

/** A loaded Ed25519 signing key and its public half as SPKI PEM. */
export interface SigningKey {
  privateKey: KeyObject
  publicKeyPem: string
}

/** Reads an Ed25519 private key (PEM, PKCS8); throws E_SIGN_KEY when missing, unreadable or not Ed25519. */
export async function loadSigningKey(file: string, displayName = file): Promise<SigningKey> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (cause as Error).message
    throw new RdbpkgError('E_SIGN_KEY', `${displayName}: signing key cannot be read: ${reason}`, {
      file: displayName,
      cause,
    })
  }
  let privateKey: KeyObject
  try {
    privateKey = createPrivateKey({ key: text, format: 'pem' })
  } catch (cause) {
    throw new RdbpkgError(
      'E_SIGN_KEY',
      `${displayName}: expected an Ed25519 private key in PEM (PKCS8), found something else`,
      {
        file: displayName,
        expected: 'Ed25519 private key (PEM, PKCS8)',
        hint: 'make one with: openssl genpkey -algorithm ed25519 -out key.pem',
        cause,
      },
    )
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new RdbpkgError(
      'E_SIGN_KEY',
      `${displayName}: expected an Ed25519 private key, found ${privateKey.asymmetricKeyType ?? 'an unknown'} key (make one with: openssl genpkey -algorithm ed25519 -out key.pem)`,
      { file: displayName, expected: 'ed25519', found: privateKey.asymmetricKeyType ?? 'unknown' },
    )
  }
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString()
  return { privateKey, publicKeyPem }
}

/** The content of SHA256SUMS.sig: base64 of the raw Ed25519 signature over `data`, then a newline. */
export function signatureFile(data: Uint8Array, key: SigningKey): string {
  return `${sign(null, data, key.privateKey).toString('base64')}\n`
}
