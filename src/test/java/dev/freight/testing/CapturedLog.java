package dev.freight.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.LoggerFactory;

/**
 * The WARN and ERROR lines the server's request threads (Tomcat's {@code http-nio-…-exec-N}) log while it is attached
 * to the root logger ({@link #attachInfo}: the INFO, WARN and ERROR lines of every thread, of some loggers), as
 * {@code "LEVEL logger: message"} plus {@code " [stack]"} when a stack trace goes with it. {@link #awaitFirst} waits
 * for the first such line, so a test knows the server has finished with a request whose client is gone, without
 * sleeping. Thread-safe.
 */
public final class CapturedLog extends AppenderBase<ILoggingEvent> implements AutoCloseable {

    private final List<String> lines = new ArrayList<>();
    private final CountDownLatch first = new CountDownLatch(1);
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    private final Predicate<ILoggingEvent> captures;

    private CapturedLog(Predicate<ILoggingEvent> captures) {
        this.captures = captures;
    }

    /** Starts capturing the WARN and ERROR lines of the server's request threads. */
    public static CapturedLog attach() {
        return attach(e -> e.getLevel().isGreaterOrEqual(Level.WARN) && e.getThreadName().contains("exec"));
    }

    /**
     * Starts capturing the INFO, WARN and ERROR lines that any thread logs through a logger whose name starts with one
     * of {@code loggers} (e.g. a scheduler's worker threads).
     */
    public static CapturedLog attachInfo(String... loggers) {
        return attach(e -> e.getLevel().isGreaterOrEqual(Level.INFO)
                && List.of(loggers).stream().anyMatch(e.getLoggerName()::startsWith));
    }

    private static CapturedLog attach(Predicate<ILoggingEvent> captures) {
        CapturedLog log = new CapturedLog(captures);
        log.start();
        log.root.addAppender(log);
        return log;
    }

    @Override
    protected void append(ILoggingEvent e) {
        if (!captures.test(e)) {
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

    /**
     * The lines of {@link #lines()} that name no import or export job but those of {@code ids}: {@link #attachInfo}
     * takes every thread's lines, and other tests' schedulers in the same JVM (their Spring contexts stay cached) log
     * theirs meanwhile, such as the stranded-jobs sweep's. Lines that name no job are kept.
     */
    public List<String> linesOf(String... ids) {
        java.util.Set<String> ours = java.util.Set.of(ids);
        return lines().stream().filter(line -> JOB_ID.matcher(line).results()
                .allMatch(id -> ours.contains(id.group()))).toList();
    }

    private static final java.util.regex.Pattern JOB_ID = java.util.regex.Pattern.compile("\\b(?:imp|exp)_[0-9a-z]+");

    @Override
    public void close() {
        root.detachAppender(this);
        stop();
    }
}
