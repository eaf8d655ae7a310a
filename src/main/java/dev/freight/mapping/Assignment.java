package dev.freight.mapping;

import dev.freight.schema.Field;
import dev.freight.schema.FieldType;
import dev.freight.schema.ObjectDef;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Global assignment: all candidates of all columns, best first, so that a field gets at most one column (a
 * multi-value field any number, an address field one column per part). Ties go to the earlier field, then the earlier
 * column. A column whose best field is taken may fall back to another candidate only if it scores close to its best.
 */
final class Assignment {

    /** How far below its best a column may fall back. */
    static final double FALLBACK_MARGIN = 0.1;

    private Assignment() {}

    /**
     * @param parts for each column, the address part it is known to hold (a remembered mapping's), or null to read
     *     the part from its header
     */
    static List<Suggestion> assign(ObjectDef target, List<String> columns, List<List<Candidate>> perColumn,
            List<String> parts) {
        double[] best = new double[columns.size()];
        List<Candidate> all = new ArrayList<>();
        for (int c = 0; c < columns.size(); c++) {
            for (Candidate cand : perColumn.get(c)) {
                best[c] = Math.max(best[c], cand.score());
                all.add(cand);
            }
        }
        all.sort(Comparator.comparing((Candidate x) -> x.reason() != MatchReason.REMEMBERED)
                .thenComparing(Comparator.comparingDouble(Candidate::score).reversed())
                .thenComparingInt(Candidate::field)
                .thenComparingInt(Candidate::column));

        Suggestion[] chosen = new Suggestion[columns.size()];
        Set<String> taken = new HashSet<>();
        for (Candidate cand : all) {
            int c = cand.column();
            if (chosen[c] != null || cand.reason() != MatchReason.REMEMBERED && cand.score() < best[c] - FALLBACK_MARGIN) {
                continue;
            }
            Field field = target.fields().get(cand.field());
            String part = cand.reason() == MatchReason.REMEMBERED ? parts.get(c) : null;
            String slot = slot(field, columns.get(c), part);
            if (slot != null && !taken.add(slot)) {
                continue;
            }
            chosen[c] = new Suggestion(columns.get(c), cand.slug(), cand.score(), cand.reason());
        }
        List<Suggestion> out = new ArrayList<>(columns.size());
        for (int c = 0; c < columns.size(); c++) {
            out.add(chosen[c] != null ? chosen[c] : Suggestion.unmapped(columns.get(c)));
        }
        return out;
    }

    /**
     * What a column uses up of a field: the field, one part of an address ({@code part}, else the one its header
     * names), or nothing for a multi-value field.
     */
    private static String slot(Field field, String column, String part) {
        if (field.multiple()) {
            return null;
        }
        if (field.type() == FieldType.ADDRESS) {
            return field.slug() + "." + (part != null ? part : AddressParts.addressPart(column).orElse("street"));
        }
        return field.slug();
    }
}
