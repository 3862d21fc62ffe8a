import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.io.ByteUnit;

/**
 * Starts an embedded Neo4j Community DBMS with only the Bolt connector, on 127.0.0.1.
 *
 * Usage: java -cp 'target/lib/*' Launcher.java --data DIR --port PORT
 *            [--pagecache-mb 512] [--tx-timeout-s 60] [--exit-on-stdin-eof]
 *
 * Prints "READY bolt://127.0.0.1:PORT" once the default database answers, and shuts the
 * DBMS down cleanly (flushing the store) on SIGTERM / SIGINT. With --exit-on-stdin-eof it
 * also stops when its parent closes stdin, so a crashed test run leaves no orphan JVM.
 */
public class Launcher {
    public static void main(String[] args) throws Exception {
        Path data = null;
        int port = 7687;
        long pagecacheMb = 512;
        long txTimeoutS = 60;
        boolean exitOnEof = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--data" -> data = Path.of(args[++i]).toAbsolutePath();
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--pagecache-mb" -> pagecacheMb = Long.parseLong(args[++i]);
                case "--tx-timeout-s" -> txTimeoutS = Long.parseLong(args[++i]);
                case "--exit-on-stdin-eof" -> exitOnEof = true;
                default -> fail("unknown argument: " + args[i]);
            }
        }
        if (data == null) {
            fail("--data DIR is required");
        }

        long started = System.nanoTime();
        SocketAddress bolt = new SocketAddress("127.0.0.1", port);
        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(data)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, bolt)
                .setConfig(BoltConnector.advertised_address, bolt)
                .setConfig(HttpConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pagecacheMb))
                .setConfig(GraphDatabaseSettings.transaction_timeout, Duration.ofSeconds(txTimeoutS))
                .build();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("STOPPING");
            dbms.shutdown();
            System.out.println("STOPPED");
            stopped.countDown();
        }, "neo4j-shutdown"));

        GraphDatabaseService db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        if (!db.isAvailable(TimeUnit.MINUTES.toMillis(2))) {
            fail("database did not become available within 2 minutes");
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        System.out.println("READY bolt://127.0.0.1:" + port + " in " + millis + " ms");
        System.out.flush();

        if (exitOnEof) {
            Thread watcher = new Thread(() -> {
                try {
                    while (System.in.read() != -1) {
                        // ignore input; only the end of the stream matters
                    }
                } catch (IOException ignored) {
                    // a broken pipe means the parent is gone too
                }
                System.exit(0);
            }, "stdin-watcher");
            watcher.setDaemon(true);
            watcher.start();
        }
        stopped.await();
    }

    private static void fail(String message) {
        System.err.println("ERROR " + message);
        System.exit(2);
    }
}
