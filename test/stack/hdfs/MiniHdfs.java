/*
 * A real single-node HDFS for tests: MiniDFSCluster (NameNode + 1 DataNode in one JVM) with
 * WebHDFS on. Run as a single-file program, no build step:
 *
 *   java <Hadoop's --add-opens list> -cp '<lib>/*' MiniHdfs.java --dir D --rpc-port 18020 --http-port 19870 [--format]
 *
 * Prints one line "MINIHDFS READY rpc=... http=..." when the cluster is active, then runs until
 * SIGTERM, when a shutdown hook stops the cluster cleanly so a restart with the same --dir (and
 * no --format) finds every block again.
 */
import java.io.File;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;

public class MiniHdfs {
  public static void main(String[] args) throws Exception {
    String dir = null;
    int rpcPort = 18020;
    int httpPort = 19870;
    boolean format = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--dir": dir = args[++i]; break;
        case "--rpc-port": rpcPort = Integer.parseInt(args[++i]); break;
        case "--http-port": httpPort = Integer.parseInt(args[++i]); break;
        case "--format": format = true; break;
        default: throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (dir == null) throw new IllegalArgumentException("--dir is required");

    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, new File(dir).getAbsolutePath());
    conf.setBoolean("dfs.webhdfs.enabled", true);
    // Tests write as any user.name without setting up owners.
    conf.setBoolean("dfs.permissions.enabled", false);
    // WebHDFS CREATE/OPEN/APPEND redirect the client to a DataNode: it must be reachable by
    // the address it registers with, and only loopback is allowed here.
    conf.set("dfs.datanode.hostname", "127.0.0.1");
    conf.set("dfs.namenode.rpc-bind-host", "127.0.0.1");
    conf.set("dfs.namenode.http-bind-host", "127.0.0.1");
    // One DataNode: never try to add another to a write pipeline after a failure.
    conf.set("dfs.client.block.write.replace-datanode-on-failure.policy", "NEVER");
    conf.setInt("dfs.replication", 1);
    // A restarted cluster must leave safe mode at once (all blocks are on the one DataNode).
    conf.setInt("dfs.namenode.safemode.extension", 0);
    // Small listing pages, so tests of LISTSTATUS_BATCH paging need hundreds of entries, not thousands.
    conf.setInt("dfs.ls.limit", 100);
    // Keep an idle test cluster cheap on a shared 2-core machine.
    conf.setInt("dfs.namenode.handler.count", 4);
    conf.setInt("dfs.datanode.handler.count", 4);

    MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf)
        .numDataNodes(1)
        .nameNodePort(rpcPort)
        .nameNodeHttpPort(httpPort)
        .format(format)
        .build();
    cluster.waitActive();
    cluster.waitClusterUp();

    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.println("MINIHDFS STOPPING");
      cluster.shutdown();
      System.out.println("MINIHDFS STOPPED");
    }));
    System.out.println("MINIHDFS READY rpc=127.0.0.1:" + cluster.getNameNodePort()
        + " http=127.0.0.1:" + cluster.getNameNode().getHttpAddress().getPort()
        + " format=" + format);
    System.out.flush();
    Thread.currentThread().join();
  }
}
