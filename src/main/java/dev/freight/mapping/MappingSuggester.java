package dev.freight.mapping;

import dev.freight.schema.ObjectDef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Suggests, for each source column, the target field it maps to with a confidence and a reason. Built in, offline and
 * deterministic: the same input gives the same output. An optional {@link ModelMatcher} refines the built-in result;
 * when it fails, the built-in result is returned with {@code aiUsed = false}. Thread-safe.
 */
public final class MappingSuggester {

    /** Confidence given to a field only the model proposed; capped below an alias match. */
    static final double MODEL_ONLY_CAP = 0.85;
    /** Most sample rows the model is shown. */
    static final int MODEL_SAMPLE_ROWS = 5;

    private final BuiltInMatcher matcher = new BuiltInMatcher(SynonymTable.builtIn());
    private final ModelMatcher model;

    /** The built-in matcher only. */
    public MappingSuggester() {
        this(null);
    }

    /** @param model an external model consulted after the built-in matcher; null for none */
    public MappingSuggester(ModelMatcher model) {
        this.model = model;
    }

    /**
     * @param sampleRows a few parsed rows, column → raw value (may be empty)
     * @param remembered normalized header ({@link HeaderNames#normalize}) → the mapping this organization confirmed
     *     for it before (may be empty); mappings to slugs that are not fields of the target are ignored. A remembered
     *     address column takes the slot of its remembered part.
     * @return one suggestion per source column, in input order
     */
    public MappingResult suggest(ObjectDef target, List<String> sourceColumns, List<Map<String, String>> sampleRows,
            Map<String, RememberedMapping> remembered) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(sourceColumns, "sourceColumns");
        List<Map<String, String>> samples = sampleRows == null ? List.of() : sampleRows;
        Map<String, RememberedMapping> memory = remembered == null ? Map.of() : remembered;

        List<List<Candidate>> perColumn = new ArrayList<>(sourceColumns.size());
        List<String> parts = new ArrayList<>(sourceColumns.size());
        boolean[] fixed = new boolean[sourceColumns.size()];
        for (int c = 0; c < sourceColumns.size(); c++) {
            String header = sourceColumns.get(c);
            RememberedMapping known = memory.get(HeaderNames.normalize(header));
            int f = known == null ? -1 : BuiltInMatcher.indexOf(target, known.field());
            if (f >= 0) {
                fixed[c] = true;
                perColumn.add(List.of(new Candidate(c, f, known.field(), BuiltInMatcher.REMEMBERED,
                        MatchReason.REMEMBERED)));
                parts.add(known.addressPart());
            } else {
                perColumn.add(matcher.candidates(target, c, header, ValueProfile.of(header, samples)));
                parts.add(null);
            }
        }
        if (model == null) {
            return new MappingResult(Assignment.assign(target, sourceColumns, perColumn, parts), false);
        }
        Map<String, ModelMatcher.Choice> answer;
        try {
            answer = model.match(target, sourceColumns, samples.subList(0, Math.min(samples.size(), MODEL_SAMPLE_ROWS)));
        } catch (ModelMatcherException e) {
            return new MappingResult(Assignment.assign(target, sourceColumns, perColumn, parts), false);
        }
        for (int c = 0; c < sourceColumns.size(); c++) {
            if (!fixed[c]) {
                perColumn.set(c, withModel(target, c, perColumn.get(c), answer.get(sourceColumns.get(c))));
            }
        }
        return new MappingResult(Assignment.assign(target, sourceColumns, perColumn, parts), true);
    }

    /**
     * The model decides which field a column takes; the built-in score and reason are kept when they agree. A field
     * only the model proposed is reported as FUZZY (a judgement of similarity, not a name match). When the model
     * leaves a column unmapped, only an exact name match survives.
     */
    private static List<Candidate> withModel(ObjectDef target, int c, List<Candidate> builtIn,
            ModelMatcher.Choice choice) {
        if (choice == null || choice.fieldSlug() == null) {
            return builtIn.stream().filter(x -> x.reason() == MatchReason.EXACT).toList();
        }
        int f = BuiltInMatcher.indexOf(target, choice.fieldSlug());
        if (f < 0) {
            return builtIn;
        }
        for (Candidate x : builtIn) {
            if (x.field() == f) {
                return List.of(x);
            }
        }
        double score = Math.max(0.5, Math.min(MODEL_ONLY_CAP, choice.confidence()));
        return List.of(new Candidate(c, f, choice.fieldSlug(), Candidate.round(score), MatchReason.FUZZY));
    }
}
