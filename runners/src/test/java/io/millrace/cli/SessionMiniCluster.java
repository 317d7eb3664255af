package io.millrace.cli;

import java.net.URI;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Flink session cluster in the test's JVM for a test class ({@code @RegisterExtension
 * static}): Flink's MiniCluster with its REST endpoint on a free port of 127.0.0.1, naming a code
 * version for the Millrace in its lib/ as runners/flink/start-cluster.sh records it.
 */
final class SessionMiniCluster implements BeforeAllCallback, AfterAllCallback {
  private final String codeVersion;
  private final int slots;
  private MiniCluster cluster;
  private String master;

  SessionMiniCluster(String codeVersion, int slots) {
    this.codeVersion = codeVersion;
    this.slots = slots;
  }

  /** The cluster, started. */
  MiniCluster cluster() {
    return cluster;
  }

  /** The REST address, {@code host:port}, as {@code --flinkMaster} takes it. */
  String master() {
    return master;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    Configuration configuration = new Configuration();
    configuration.setString(ClusterLibrary.CODE_VERSION_KEY, codeVersion);
    configuration.set(RestOptions.ADDRESS, "127.0.0.1");
    configuration.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
    configuration.set(RestOptions.BIND_PORT, "0");
    cluster =
        new MiniCluster(
            new MiniClusterConfiguration.Builder()
                .setConfiguration(configuration)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(slots)
                .build());
    cluster.start();
    URI rest = cluster.getRestAddress().get();
    master = rest.getHost() + ":" + rest.getPort();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }
}
