package io.millrace.testing;

import java.net.URI;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/**
 * A real HDFS in this JVM: Hadoop's {@link MiniDFSCluster} (one namenode and one datanode on
 * 127.0.0.1 and free ports, blocks under a folder of the test's), reached as {@code
 * hdfs://127.0.0.1:port/}.
 */
public final class HdfsCluster implements AutoCloseable {
  private final MiniDFSCluster cluster;
  private final URI uri;
  private final long startMillis;

  private HdfsCluster(MiniDFSCluster cluster, long startMillis) {
    this.cluster = cluster;
    this.uri = URI.create("hdfs://127.0.0.1:" + cluster.getNameNodePort() + "/");
    this.startMillis = startMillis;
  }

  public static HdfsCluster start(Path directory) throws Exception {
    long started = System.nanoTime();
    Configuration configuration = new Configuration();
    configuration.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, directory.toAbsolutePath().toString());
    configuration.setInt("dfs.replication", 1);
    // Nothing but the file system: no web UI listening on a fixed port.
    configuration.set("dfs.namenode.http-address", "127.0.0.1:0");
    configuration.set("dfs.datanode.http.address", "127.0.0.1:0");
    configuration.set("dfs.datanode.address", "127.0.0.1:0");
    configuration.set("dfs.datanode.ipc.address", "127.0.0.1:0");
    // The cluster is active once the datanode has reported: every second, not every three.
    configuration.setInt("dfs.heartbeat.interval", 1);
    configuration.setInt("dfs.blockreport.initialDelay", 0);
    MiniDFSCluster cluster =
        new MiniDFSCluster.Builder(configuration, directory.toFile())
            .numDataNodes(1)
            .nameNodePort(0)
            .format(true)
            .build();
    try {
      cluster.waitActive();
    } catch (Exception e) {
      cluster.shutdown(true);
      throw e;
    }
    return new HdfsCluster(cluster, (System.nanoTime() - started) / 1_000_000);
  }

  /** The file system's root, {@code hdfs://127.0.0.1:port/}. */
  public URI uri() {
    return uri;
  }

  public long startMillis() {
    return startMillis;
  }

  @Override
  public void close() {
    cluster.shutdown(true);
  }
}
