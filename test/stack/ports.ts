/**
 * TCP ports of the local services: which one to use (a fixed default a developer can move with an
 * environment variable, so two checkouts on one machine need not collide) and whether something
 * already listens there.
 */
import { connect } from 'node:net';

/**
 * The port named by environment variable `name`, or `fallback` when it is unset or empty. A value
 * that is not a port fails at once, naming the variable, instead of surfacing later as a bind error.
 */
export function portFromEnv(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new Error(`${name}=${v} is not a TCP port`);
  return n;
}

/**
 * True when something accepts connections on 127.0.0.1:`port`. Loopback answers a refused connect at
 * once; the timeout only bounds the case of a listener whose backlog is full.
 */
export function portOpen(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (open: boolean): void => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
