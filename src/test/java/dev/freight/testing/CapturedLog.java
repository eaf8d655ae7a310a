package dev.freight.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * The WARN and ERROR lines the server's request threads (Tomcat's {@code http-nio-…-exec-N}) log while it is attached
 * to the root logger, as {@code "LEVEL logger: message"} plus {@code " [stack]"} when a stack trace goes with it.
 * {@link #awaitFirst} waits for the first such line, so a test knows the server has finished with a request whose
 * client is gone, without sleeping. Thread-safe.
 */
public final class CapturedLog extends AppenderBase<ILoggingEvent> implements AutoCloseable {

    private final List<String> lines = new ArrayList<>();
    private final CountDownLatch first = new CountDownLatch(1);
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    private CapturedLog() {}

    /** Starts capturing. */
    public static CapturedLog attach() {
        CapturedLog log = new CapturedLog();
        log.start();
        log.root.addAppender(log);
        return log;
    }

    @Override
    protected void append(ILoggingEvent e) {
        if (!e.getLevel().isGreaterOrEqual(Level.WARN) || !e.getThreadName().contains("exec")) {
            return;
        }
        synchronized (lines) {
            lines.add(e.getLevel() + " " + e.getLoggerName() + ": " + e.getFormattedMessage()
                    + (e.getThrowableProxy() != null ? " [stack]" : ""));
        }
        first.countDown();
    }

    /** Waits (at most 30 s) for the first line. */
    public void awaitFirst() throws InterruptedException {
        if (!first.await(30, TimeUnit.SECONDS)) {
            throw new AssertionError("The server logged no WARN or ERROR line from a request thread within 30 s");
        }
    }

    /** The lines captured so far. */
    public List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    @Override
    public void close() {
        root.detachAppender(this);
        stop();
    }
}
