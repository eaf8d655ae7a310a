package dev.freight.ingest;

import java.util.ArrayList;
import java.util.List;

/**
 * Guesses the field separator of a CSV file from its first lines: among comma, semicolon, tab and pipe, the one that
 * occurs (outside quotes) in the first record and the same number of times in most of the following sampled records;
 * ties go to the more common separator, in that order. Comma when none occurs.
 */
final class Delimiter {

    static final char[] CANDIDATES = {',', ';', '\t', '|'};
    /** Records looked at; enough to see a pattern, few enough to stay cheap. */
    static final int SAMPLE_RECORDS = 20;

    private Delimiter() {}

    /**
     * The separator for a file starting with {@code sample}; {@code complete} says whether the sample is the whole
     * file (otherwise its last, possibly cut, record is ignored).
     */
    static char sniff(CharSequence sample, boolean complete) {
        List<int[]> counts = countPerRecord(sample, complete);
        char best = ',';
        double bestConsistency = -1;
        int bestCount = 0;
        for (int c = 0; c < CANDIDATES.length; c++) {
            if (counts.isEmpty() || counts.get(0)[c] == 0) {
                continue;
            }
            int first = counts.get(0)[c];
            int same = 0;
            for (int[] record : counts) {
                if (record[c] == first) {
                    same++;
                }
            }
            double consistency = (double) same / counts.size();
            if (consistency > bestConsistency || consistency == bestConsistency && first > bestCount) {
                best = CANDIDATES[c];
                bestConsistency = consistency;
                bestCount = first;
            }
        }
        return best;
    }

    /** Per record (split on line breaks outside quotes), how often each candidate occurs outside quotes. */
    private static List<int[]> countPerRecord(CharSequence s, boolean complete) {
        List<int[]> records = new ArrayList<>();
        int[] current = new int[CANDIDATES.length];
        boolean quoted = false;
        boolean blank = true;
        for (int i = 0; i < s.length() && records.size() < SAMPLE_RECORDS; i++) {
            char ch = s.charAt(i);
            if (ch == '"') {
                quoted = !quoted;
                blank = false;
            } else if (!quoted && (ch == '\n' || ch == '\r')) {
                if (!blank) {
                    records.add(current);
                }
                current = new int[CANDIDATES.length];
                blank = true;
            } else if (!quoted) {
                for (int c = 0; c < CANDIDATES.length; c++) {
                    if (ch == CANDIDATES[c]) {
                        current[c]++;
                    }
                }
                blank = false;
            }
        }
        if (complete && !blank && records.size() < SAMPLE_RECORDS) {
            records.add(current);
        }
        return records;
    }
}
