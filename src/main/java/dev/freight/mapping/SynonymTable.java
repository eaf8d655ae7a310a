package dev.freight.mapping;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** The synonym and never-map tables, read once from {@code mapping/*.tsv} on the class path. Immutable. */
final class SynonymTable {

    static final double DEFAULT_CONFIDENCE = 0.9;

    /** One synonym of a field; {@code plain} is its {@link HeaderKey#plain()} key, {@code compact} its compact one. */
    record Entry(String object, String field, String compact, String plain, double confidence,
            boolean explicitConfidence) {}

    private record NeverRule(String object, Pattern pattern) {}

    private static final SynonymTable BUILT_IN = new SynonymTable(
            readLines("mapping/synonyms.tsv"), readLines("mapping/never-map.tsv"));

    private final Map<String, List<Entry>> byCompact = new LinkedHashMap<>();
    private final List<Entry> all = new ArrayList<>();
    private final List<NeverRule> never = new ArrayList<>();

    SynonymTable(List<String> synonymLines, List<String> neverLines) {
        int lineNo = 0;
        for (String line : synonymLines) {
            lineNo++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] cols = line.split("\t");
            if (cols.length < 3 || cols.length > 4) {
                throw new IllegalStateException(
                        "synonyms.tsv line %d has %d columns, but expected 3 or 4".formatted(lineNo, cols.length));
            }
            boolean explicit = cols.length == 4;
            double confidence = explicit ? Double.parseDouble(cols[3]) : DEFAULT_CONFIDENCE;
            Entry e = new Entry(cols[0], cols[1], HeaderKey.compactOf(cols[2]), HeaderKey.plainOf(cols[2]),
                    confidence, explicit);
            all.add(e);
            byCompact.computeIfAbsent(e.compact(), k -> new ArrayList<>()).add(e);
        }
        lineNo = 0;
        for (String line : neverLines) {
            lineNo++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] cols = line.split("\t");
            if (cols.length != 2) {
                throw new IllegalStateException(
                        "never-map.tsv line %d has %d columns, but expected 2".formatted(lineNo, cols.length));
            }
            never.add(new NeverRule(cols[0], Pattern.compile(cols[1])));
        }
    }

    static SynonymTable builtIn() {
        return BUILT_IN;
    }

    /** Synonyms with this compact key that apply to the object, in file order. */
    List<Entry> lookup(String objectSlug, String compact) {
        return byCompact.getOrDefault(compact, List.of()).stream()
                .filter(e -> e.object().equals("*") || e.object().equals(objectSlug))
                .toList();
    }

    /** All synonyms that apply to the object, in file order. */
    List<Entry> entries(String objectSlug) {
        return all.stream().filter(e -> e.object().equals("*") || e.object().equals(objectSlug)).toList();
    }

    boolean neverMap(String objectSlug, String normalized) {
        for (NeverRule rule : never) {
            if ((rule.object().equals("*") || rule.object().equals(objectSlug))
                    && rule.pattern().matcher(normalized).matches()) {
                return true;
            }
        }
        return false;
    }

    private static List<String> readLines(String resource) {
        InputStream in = SynonymTable.class.getClassLoader().getResourceAsStream(resource);
        if (in == null) {
            throw new IllegalStateException("resource " + resource + " is missing from the class path");
        }
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            return r.lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
