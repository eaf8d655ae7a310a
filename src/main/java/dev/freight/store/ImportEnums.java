package dev.freight.store;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The enumerations of an import, each with the lower_snake wire name used in the API and in storage. */
public final class ImportEnums {

    private ImportEnums() {}

    /** Shared wire-name behaviour of the import enums. */
    public interface Wire {
        String name();

        default String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The constant whose wire name is {@code name}, matched without regard to case (API values are). */
    public static <E extends Enum<E> & Wire> Optional<E> parse(Class<E> type, String wireName) {
        return Arrays.stream(type.getEnumConstants()).filter(e -> e.wireName().equalsIgnoreCase(wireName)).findFirst();
    }

    public enum Status implements Wire {
        REQUESTED,
        QUEUED,
        PROCESSING,
        COMPLETED,
        FAILED,
        TIMED_OUT,
        EXPIRED;

        public boolean isFinal() {
            return this == COMPLETED || this == FAILED || this == TIMED_OUT || this == EXPIRED;
        }
    }

    /** merge upserts by external_id; overwrite also deletes what the import did not contain; delete deletes. */
    public enum Action implements Wire {
        MERGE,
        OVERWRITE,
        DELETE
    }

    /** ignore_all rejects every row of a repeated key; use_first keeps the first and skips the rest. */
    public enum DuplicateHandling implements Wire {
        IGNORE_ALL,
        USE_FIRST
    }

    public enum UploadMode implements Wire {
        SYNC,
        ASYNC
    }

    /** The seven phases, in order. */
    public enum Phase implements Wire {
        PREVALIDATION,
        PREPARSING,
        TRANSFORMING,
        PARSING,
        VALIDATION,
        PROCESSING,
        CLEANUP
    }

    public enum PhaseStatus implements Wire {
        PENDING,
        RUNNING,
        COMPLETED,
        FAILED,
        SKIPPED
    }
}
