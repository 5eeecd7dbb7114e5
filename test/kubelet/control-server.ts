/**
 * The test kubelet's HTTP control endpoint on 127.0.0.1, so a test in another process can make
 * things happen to a pod's process:
 *   GET  /healthz                           200 once the node is registered and pods are watched
 *   GET  /pods/pid?pod=ns/name              {"pid": 123} or 404
 *   POST /kill?pod=ns/name&signal=KILL      sends the signal (TERM, KILL, INT, ...; default KILL)
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { constants } from 'node:os';
import type { TestKubelet } from './kubelet.ts';

export function parsePodRef(ref: string | null): { namespace: string; name: string } | null {
  const m = /^([a-z0-9-]+)\/([a-z0-9.-]+)$/.exec(ref ?? '');
  return m ? { namespace: m[1]!, name: m[2]! } : null;
}

export function parseSignal(s: string | null): NodeJS.Signals | null {
  const name = (s ?? 'KILL').toUpperCase();
  const full = (name.startsWith('SIG') ? name : `SIG${name}`) as NodeJS.Signals;
  return full in constants.signals ? full : null;
}

export function startControlServer(kubelet: TestKubelet, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (url.pathname === '/healthz') return reply(200, { ok: true, node: kubelet.nodeName });
    const pod = parsePodRef(url.searchParams.get('pod'));
    if (url.pathname === '/pods/pid' || url.pathname === '/kill') {
      if (!pod) return reply(400, { error: 'query parameter pod must be <namespace>/<name>' });
      if (url.pathname === '/pods/pid') {
        const pid = kubelet.podPid(pod.namespace, pod.name);
        return pid === undefined ? reply(404, { error: `pod ${pod.namespace}/${pod.name} has no running process` }) : reply(200, { pid });
      }
      if (req.method !== 'POST') return reply(405, { error: 'use POST /kill' });
      const signal = parseSignal(url.searchParams.get('signal'));
      if (!signal) return reply(400, { error: `unknown signal ${url.searchParams.get('signal')}` });
      return kubelet.killPod(pod.namespace, pod.name, signal)
        ? reply(200, { killed: `${pod.namespace}/${pod.name}`, signal })
        : reply(404, { error: `pod ${pod.namespace}/${pod.name} has no running process` });
    }
    reply(404, { error: `no such endpoint ${url.pathname}` });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** Client side of POST /kill, for tests that run outside the kubelet's process. */
export async function requestKillPod(kubeletUrl: string, namespace: string, name: string, signal = 'KILL'): Promise<boolean> {
  const r = await fetch(`${kubeletUrl}/kill?pod=${encodeURIComponent(`${namespace}/${name}`)}&signal=${encodeURIComponent(signal)}`, { method: 'POST' });
  return r.status === 200;
}
