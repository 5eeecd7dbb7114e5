/**
 * Each pod's own port space, for pods that are local processes. In a cluster every pod has its own
 * network namespace, so two replicas of the operator both listen on :8080 and three runner pods
 * on :9090 without clashing. Here they share the machine, so the test kubelet preloads this module
 * into every pod process (`NODE_OPTIONS=--import pod-network-preload.ts`, see pod-worker.ts): a listen on a fixed TCP
 * port gets a free port instead, like `docker run -p 0:8080`. The process learns its real port
 * from `server.address()` as usual, and one stderr line in the pod log says which it got.
 * Port 0 and Unix sockets are left alone. Only Node processes are covered: every image mapping
 * runs Node.
 */
import net from 'node:net';

/** The arguments of `listen` with a fixed port replaced by 0, and the port that was asked for. */
export function ephemeralListenArgs(args: readonly unknown[]): { args: unknown[]; asked?: number } {
  const [first, ...rest] = args;
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    const asked = Number(first);
    return asked > 0 ? { args: [0, ...rest], asked } : { args: [...args] };
  }
  if (first !== null && typeof first === 'object' && !('path' in first) && !('fd' in first) && !('handle' in first)) {
    const port = (first as { port?: unknown }).port;
    const asked = Number(port);
    if (port !== undefined && Number.isInteger(asked) && asked > 0) return { args: [{ ...first, port: 0 }, ...rest], asked };
  }
  return { args: [...args] };
}

type ListenFn = (this: net.Server, ...args: unknown[]) => net.Server;

/** Patches `net.Server.prototype.listen` (http and https servers inherit it) once per process. */
export function installPodNetwork(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): void {
  const proto = net.Server.prototype as unknown as { listen: ListenFn; __podNetwork?: true };
  if (proto.__podNetwork) return;
  const listen = proto.listen;
  proto.listen = function podListen(this: net.Server, ...args: unknown[]): net.Server {
    const { args: actual, asked } = ephemeralListenArgs(args);
    if (asked !== undefined) {
      this.once('listening', () => {
        const a = this.address();
        if (a !== null && typeof a === 'object') log(`test-kubelet pod network: port ${asked} of this pod is port ${a.port} on the machine`);
      });
    }
    return listen.apply(this, actual);
  };
  proto.__podNetwork = true;
}

