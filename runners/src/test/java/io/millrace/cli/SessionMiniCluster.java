package io.millrace.cli;

import java.net.URI;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;

/**
 * A real Flink session cluster in the test's JVM: Flink's MiniCluster with its REST endpoint on a
 * free port of 127.0.0.1, naming a code version for the Millrace in its lib/ as
 * runners/flink/start-cluster.sh records it.
 */
final class SessionMiniCluster implements AutoCloseable {
  final MiniCluster cluster;

  /** The REST address, {@code host:port}, as {@code --flinkMaster} takes it. */
  final String master;

  private SessionMiniCluster(MiniCluster cluster, String master) {
    this.cluster = cluster;
    this.master = master;
  }

  static SessionMiniCluster start(String codeVersion, int slots) throws Exception {
    Configuration configuration = new Configuration();
    configuration.setString(ClusterLibrary.CODE_VERSION_KEY, codeVersion);
    configuration.set(RestOptions.ADDRESS, "127.0.0.1");
    configuration.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
    configuration.set(RestOptions.BIND_PORT, "0");
    MiniCluster cluster =
        new MiniCluster(
            new MiniClusterConfiguration.Builder()
                .setConfiguration(configuration)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(slots)
                .build());
    cluster.start();
    URI rest = cluster.getRestAddress().get();
    return new SessionMiniCluster(cluster, rest.getHost() + ":" + rest.getPort());
  }

  @Override
  public void close() throws Exception {
    cluster.close();
  }
}
