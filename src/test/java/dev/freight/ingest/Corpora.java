package dev.freight.ingest;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * The third-party test corpora, read in place (never copied into the project): {@code ../shared/corpora} from the
 * project root, or the folder in the environment variable FREIGHT_CORPORA. A test needing them is skipped when they
 * are absent, and fails when the environment variable CI is set.
 */
public final class Corpora {

    private Corpora() {}

    /** The folder of one corpus, e.g. {@code poi-spreadsheets}. */
    public static Path require(String corpus) {
        String override = System.getenv("FREIGHT_CORPORA");
        Path root = override != null && !override.isBlank() ? Path.of(override) : Path.of("..", "shared", "corpora");
        Path dir = root.resolve(corpus).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            String message = "Corpus " + dir + " not found; set FREIGHT_CORPORA to the corpora folder";
            if (System.getenv("CI") != null) {
                fail(message);
            }
            Assumptions.abort(message);
        }
        return dir;
    }
}
