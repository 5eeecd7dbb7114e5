/**
 * A local service the tests, demos and benches can start: a real Kafka broker, a real HDFS
 * (MiniDFSCluster with WebHDFS), a real kube-apiserver with etcd. Each lives in
 * `services/<name>.ts` and default-exports a Service. Downloads and builds are cached under
 * `.cache/` (git-ignored); runtime state (pids, ports, logs) under `.cache/stack/<name>/`.
 */
export interface Service {
  readonly name: string;
  /** Fetch/build what the service needs (idempotent, cached). */
  install(): Promise<void>;
  /** Start it (installing first if needed) and wait until it answers; returns how to reach it. */
  up(): Promise<Record<string, string>>;
  /** Stop it (no error if not running). */
  down(): Promise<void>;
  /** How to reach it if running, else null. */
  status(): Promise<Record<string, string> | null>;
}
