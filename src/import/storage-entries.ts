/**
 * addStorageEntries: the `spec.storage` entries the job's paths need, with what to fill in.
 *
 * - `hdfs://nn:8020/...`: Node cannot speak the NameNode's RPC protocol, so the authority
 *   maps to its WebHDFS address in storage.hdfs.namenodes; `http://nn:9870` is Hadoop 3's
 *   default (dfs.namenode.http-address) and is reported for the user to confirm.
 * - `jfs://ns/...`: storage.jindofs.namespaces.ns, with JindoSDK's jfs.namespaces.ns.oss.uri
 *   and the OSS endpoint and credentials left as placeholders.
 * - `oss://bucket/...`: storage.oss with its endpoint and credentials Secret.
 */
type Obj = Record<string, unknown>;

export function addStorageEntries(spec: Obj, fieldLines: Map<string, number>, needs: (line: number | undefined, message: string) => void): void {
  const source = spec.source as Obj;
  const sink = spec.sink as Obj;
  const paths: Array<[string, unknown]> = [
    ['spec.source.files.path', (source.files as Obj | undefined)?.path],
    ['spec.sink.path', sink.path],
    ['spec.checkpoint.dir', (spec.checkpoint as Obj | undefined)?.dir],
  ];
  const storage = (spec.storage ?? {}) as Obj;
  for (const [field, path] of paths) {
    if (typeof path !== 'string') continue;
    const line = fieldLines.get(field);
    const m = /^([a-z]+):\/\/([^/]*)/u.exec(path);
    if (m === null) continue;
    const [, scheme, authority] = m as unknown as [string, string, string];
    if (scheme === 'hdfs' && authority !== '') {
      const hdfs = (storage.hdfs ??= { namenodes: {} }) as { namenodes: Obj };
      if (hdfs.namenodes[authority] !== undefined) continue;
      const host = authority.replace(/:\d+$/u, '');
      hdfs.namenodes[authority] = `http://${host}:9870`;
      needs(line, `${field} ${path}: storage.hdfs.namenodes["${authority}"] is set to http://${host}:9870 (Hadoop 3's default WebHDFS port): check it is that NameNode's HTTP address`);
    } else if (scheme === 'jfs' && authority !== '') {
      const jindofs = (storage.jindofs ??= { namespaces: {} }) as { namespaces: Obj };
      if (jindofs.namespaces[authority] !== undefined) continue;
      jindofs.namespaces[authority] = { mode: 'cache', ossUri: 'oss://<bucket>/<prefix>', endpoint: '<oss-endpoint>', credentialsSecret: '<oss-credentials-secret>' };
      needs(line, `${field} ${path}: storage.jindofs.namespaces.${authority} needs your JindoSDK settings: mode (cache, or block with fuseMountPath), ossUri (jfs.namespaces.${authority}.oss.uri), endpoint, and credentialsSecret (a Secret with accessKeyId, accessKeySecret)`);
    } else if (scheme === 'oss') {
      const oss = (storage.oss ??= {}) as Obj;
      if (oss.endpoint === undefined) {
        oss.endpoint = '<oss-endpoint>';
        needs(line, `${field} ${path}: storage.oss.endpoint: fill in the bucket's endpoint (Flink: fs.oss.endpoint)`);
      }
      if (oss.credentialsSecret === undefined && oss.fromEnv === undefined) {
        oss.credentialsSecret = '<oss-credentials-secret>';
        needs(line, `${field} ${path}: storage.oss.credentialsSecret: name a Secret with accessKeyId and accessKeySecret (or set fromEnv: true)`);
      }
    }
  }
  if (Object.keys(storage).length > 0) spec.storage = storage;
}
