/**
 * The cluster's keys and certificates, made once with openssl and kept in `.cache/stack/kube/pki`:
 * a CA, the apiserver's serving certificate (127.0.0.1, localhost, kubernetes.default.svc), the
 * service-account signing key pair, and static bearer tokens (admin and controller-manager) for
 * `--token-auth-file`. Tokens are random per machine and never printed: they live only in 0600 files.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Pki {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
  tokenFile: string;
  adminToken: string;
  controllerManagerToken: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function pkiPaths(dir: string): Omit<Pki, 'adminToken' | 'controllerManagerToken'> {
  return {
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    servingCert: join(dir, 'apiserver.crt'),
    servingKey: join(dir, 'apiserver.key'),
    serviceAccountKey: join(dir, 'sa.key'),
    serviceAccountPub: join(dir, 'sa.pub'),
    tokenFile: join(dir, 'tokens.csv'),
  };
}

function readToken(tokenFile: string, user: string): string {
  const line = readFileSync(tokenFile, 'utf8').split('\n').find((l) => l.split(',')[1] === user);
  if (!line) throw new Error(`${tokenFile}: no token for user ${user}; delete the pki folder to regenerate it`);
  return line.split(',')[0]!;
}

/** Creates whatever is missing (idempotent) and returns the file paths and tokens. */
export function ensurePki(dir: string): Pki {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const p = pkiPaths(dir);
  if (!existsSync(p.caCert)) {
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', p.caKey, '-out', p.caCert,
      '-days', '3650', '-subj', '/CN=sluice-test-ca'], dir);
  }
  if (!existsSync(p.servingCert)) {
    const ext = join(dir, 'apiserver.ext');
    writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,'
      + 'DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\n'
      + 'extendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n');
    const csr = join(dir, 'apiserver.csr');
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', p.servingKey, '-out', csr, '-subj', '/CN=kube-apiserver'], dir);
    openssl(['x509', '-req', '-in', csr, '-CA', p.caCert, '-CAkey', p.caKey, '-CAcreateserial', '-out', p.servingCert,
      '-days', '3650', '-extfile', ext], dir);
  }
  if (!existsSync(p.serviceAccountKey)) {
    openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', p.serviceAccountKey], dir);
    openssl(['pkey', '-in', p.serviceAccountKey, '-pubout', '-out', p.serviceAccountPub], dir);
  }
  if (!existsSync(p.tokenFile)) {
    // token,user,uid,"group1,group2": both are cluster admins; this is a throwaway test cluster.
    const line = (user: string): string => `${randomBytes(24).toString('hex')},${user},${user},"system:masters"`;
    writeFileSync(p.tokenFile, `${line('sluice-admin')}\n${line('system:kube-controller-manager')}\n`, { mode: 0o600 });
  }
  for (const f of [p.caKey, p.servingKey, p.serviceAccountKey, p.tokenFile]) chmodSync(f, 0o600);
  return {
    ...p,
    adminToken: readToken(p.tokenFile, 'sluice-admin'),
    controllerManagerToken: readToken(p.tokenFile, 'system:kube-controller-manager'),
  };
}
