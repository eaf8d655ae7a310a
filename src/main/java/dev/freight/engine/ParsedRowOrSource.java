package dev.freight.engine;

import dev.freight.ingest.SourceRow;

/** A row as read: its source, or (when the reader rejected just this row) the reason it is unreadable. */
record ParsedRowOrSource(long ordinal, SourceRow source, ParsedRow unreadable) {}
