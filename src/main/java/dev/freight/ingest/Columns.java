package dev.freight.ingest;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The column names of a tabular file and the mapping of a row's cells onto them.
 *
 * <p>Names are the header cells as written, with a leading byte-order mark removed and each U+0000 written as U+FFFD
 * (PostgreSQL stores no NUL character, and a name is kept with the import and repeated in its messages; a value
 * holding one is its row's error instead). A blank name becomes
 * {@code column_N} (N the 1-based column). A name already taken gets the first free suffix {@code _2}, {@code _3}, …,
 * skipping suffixed names that appear elsewhere in the header, so {@code Email, Email, Email_2} becomes
 * {@code Email, Email_3, Email_2}. A non-blank cell beyond the header is keyed {@code column_N}, suffixed the same way
 * if the header already uses that name.
 */
final class Columns {

    /** What a row shorter than the header gets for its missing trailing cells. */
    enum MissingCells {
        /** No key: the row really lacks them (a short CSV record). */
        ABSENT,
        /** An empty string: spreadsheets do not store trailing empty cells, which are nevertheless there. */
        EMPTY
    }

    private final List<String> names;
    private final Map<String, Integer> positions;
    private final Set<String> taken;
    private final Map<Integer, String> extraNames = new HashMap<>();
    private final Map<String, String> renamed;
    private final MissingCells missing;

    Columns(List<String> header, MissingCells missing) {
        this.missing = missing;
        Set<String> written = new HashSet<>();
        for (String h : header) {
            written.add(writtenName(h));
        }
        List<String> unique = new ArrayList<>(header.size());
        Set<String> used = new HashSet<>();
        Map<String, Integer> nextSuffix = new HashMap<>();
        Map<String, String> renamed = new LinkedHashMap<>();
        for (int i = 0; i < header.size(); i++) {
            String h = writtenName(header.get(i));
            String name = h.isBlank() ? "column_" + (i + 1) : h;
            if (used.contains(name)) {
                String repeated = name;
                name = freeSuffix(name, used, written, nextSuffix);
                renamed.put(name, repeated);
            }
            used.add(name);
            unique.add(name);
        }
        this.names = List.copyOf(unique);
        Map<String, Integer> positions = HashMap.newHashMap(names.size());
        for (int i = 0; i < names.size(); i++) {
            positions.put(names.get(i), i);
        }
        this.positions = positions;
        this.taken = used;
        this.renamed = Collections.unmodifiableMap(renamed);
    }

    List<String> names() {
        return names;
    }

    /** The names given to repeated header cells, each with the name as written: {@code Email_2 → Email}. */
    Map<String, String> renamed() {
        return renamed;
    }

    /**
     * The row's cells keyed by column name, in column order; null when every cell is blank. With {@code keep} (null
     * for all), only the marked columns' cells: the others, and those beyond the header, tell only whether the row is
     * blank.
     */
    Map<String, Object> cells(List<String> values, boolean[] keep) {
        boolean blank = true;
        for (String v : values) {
            if (!v.isBlank()) {
                blank = false;
                break;
            }
        }
        if (blank) {
            return null;
        }
        Map<String, Object> cells = new CellMap(names, positions);
        int shared = Math.min(values.size(), names.size());
        for (int i = 0; i < shared; i++) {
            if (keep == null || keep[i]) {
                cells.put(names.get(i), values.get(i));
            }
        }
        if (missing == MissingCells.EMPTY) {
            for (int i = shared; i < names.size(); i++) {
                if (keep == null || keep[i]) {
                    cells.put(names.get(i), "");
                }
            }
        }
        for (int i = keep == null ? names.size() : values.size(); i < values.size(); i++) {
            if (!values.get(i).isBlank()) {
                cells.put(extraName(i), values.get(i));
            }
        }
        return cells;
    }

    /** Whether {@code name} is the {@code column_N} of cells past the last header (N beyond the header's width). */
    boolean isExtraName(String name) {
        return isExtraName(names, name);
    }

    /** Whether {@code name} is the {@code column_N} of cells past the last of the column {@code names}. */
    static boolean isExtraName(List<String> names, String name) {
        if (!name.startsWith("column_") || name.length() > "column_".length() + 7) {
            return false;
        }
        String number = name.substring("column_".length());
        return !number.isEmpty() && number.chars().allMatch(Character::isDigit) && number.charAt(0) != '0'
                && Integer.parseInt(number) > names.size() && !names.contains(name);
    }

    private String extraName(int index) {
        return extraNames.computeIfAbsent(index, i -> {
            String name = "column_" + (i + 1);
            return taken.contains(name) ? freeSuffix(name, taken, Set.of(), new HashMap<>()) : name;
        });
    }

    /** The first free {@code name_k}; {@code nextSuffix} remembers where to resume, for headers of 16,384 columns. */
    private static String freeSuffix(
            String name, Set<String> used, Set<String> written, Map<String, Integer> nextSuffix) {
        for (int k = nextSuffix.getOrDefault(name, 2); ; k++) {
            String candidate = name + "_" + k;
            if (!used.contains(candidate) && !written.contains(candidate)) {
                nextSuffix.put(name, k + 1);
                return candidate;
            }
        }
    }

    private static String writtenName(String s) {
        return (s.startsWith("\uFEFF") ? s.substring(1) : s).replace('\u0000', '\uFFFD');
    }
}
