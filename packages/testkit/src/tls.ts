/**
 * Certificates made at test time, so no key material is checked in and nothing
 * expires in the repository. EC P-256 keys: generating them takes milliseconds,
 * where RSA 2048 would take a noticeable share of a test's budget.
 */
import { isIP } from 'node:net';
import { generate } from 'selfsigned';

/** A PEM private key and the PEM certificate for it. */
export interface PemKeyPair {
  readonly key: string;
  readonly cert: string;
}

/** What a leaf certificate is for: TLS server or TLS client authentication. */
export type CertificateUsage = 'server' | 'client';

/** Options for {@link makeSignedCertificate}. */
export interface SignedCertificateOptions {
  /** DNS names and IP addresses for the subjectAltName; the first is also the common name. */
  readonly hostnames?: readonly string[];
  /** Common name when `hostnames` is empty (client certificates). */
  readonly commonName?: string;
  readonly usage?: CertificateUsage;
}

type SelfsignedOptions = NonNullable<Parameters<typeof generate>[1]>;
type Extension = NonNullable<SelfsignedOptions['extensions']>[number];

const BASE_OPTIONS = { keyType: 'ec', curve: 'P-256', algorithm: 'sha256' } as const satisfies SelfsignedOptions;

function altNames(hostnames: readonly string[]): Extension {
  return {
    name: 'subjectAltName',
    altNames: hostnames.map((h) => (isIP(h) === 0 ? { type: 2 as const, value: h } : { type: 7 as const, ip: h })),
  };
}

function leafExtensions(hostnames: readonly string[], usage: CertificateUsage): Extension[] {
  const extensions: Extension[] = [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: usage === 'server', clientAuth: usage === 'client' },
  ];
  if (hostnames.length > 0) extensions.push(altNames(hostnames));
  return extensions;
}

/**
 * A self-signed server certificate for `hostnames` (DNS names and IP addresses).
 * A client that verifies certificates rejects it; tests use it with
 * `skip_ssl_verify=true`, or to prove that verification is on.
 */
export async function makeTestCertificate(hostnames: string[] = ['localhost', '127.0.0.1']): Promise<PemKeyPair> {
  const pems = await generate([{ name: 'commonName', value: hostnames[0] ?? 'localhost' }], {
    ...BASE_OPTIONS,
    extensions: leafExtensions(hostnames, 'server'),
  });
  return { key: pems.private, cert: pems.cert };
}

/** A certificate authority that can sign server and client certificates for tests. */
export async function makeTestCertificateAuthority(commonName = 'Courier Test CA'): Promise<PemKeyPair> {
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    ...BASE_OPTIONS,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

/**
 * A certificate signed by `ca`: a server certificate for `hostnames`, or (with
 * `usage: 'client'`) a client certificate to present to a server that asks for one.
 */
export async function makeSignedCertificate(ca: PemKeyPair, options: SignedCertificateOptions = {}): Promise<PemKeyPair> {
  const hostnames = options.hostnames ?? [];
  const usage = options.usage ?? 'server';
  const commonName = hostnames[0] ?? options.commonName ?? 'courier-test-client';
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    ...BASE_OPTIONS,
    extensions: leafExtensions(hostnames, usage),
    ca: { key: ca.key, cert: ca.cert },
  });
  return { key: pems.private, cert: pems.cert };
}
