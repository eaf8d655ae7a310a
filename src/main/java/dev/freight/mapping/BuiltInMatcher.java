package dev.freight.mapping;

import dev.freight.schema.Field;
import dev.freight.schema.FieldType;
import dev.freight.schema.ObjectDef;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Scores the fields a column could map to, from its header first and its sample values second. Deterministic and
 * stateless; the order of the returned candidates does not matter (the assignment sorts them).
 */
final class BuiltInMatcher {

    static final double EXACT = 1.0;
    static final double REMEMBERED = 0.97;
    static final double ADDRESS_PART = 0.9;
    static final double PHONE = 0.9;
    /** Below this spelling similarity a fuzzy match is not suggested. */
    static final double FUZZY_THRESHOLD = 0.8;
    static final double FUZZY_SCALE = 0.85;
    /** How much a qualifier word costs ("Business Email" is a little less sure than "Email"). */
    static final double QUALIFIED_PENALTY = 0.04;
    /**
     * How much a number or filler word costs that the matched label or synonym does not have ("Email 1" and
     * "E-mail 1 Address" lose to "Email Address"): a plain header wins a field's one slot.
     */
    static final double SUFFIXED_PENALTY = 0.02;
    /** How much each number past 1 costs ("E-mail 2 Address" loses to "E-mail Address"). */
    static final double INDEX_PENALTY = 0.05;
    /** Factor for a header match whose sample values contradict the field's type. */
    static final double CONTRADICTED = 0.7;

    private static final Set<String> QUALIFIERS = Set.of("business", "work", "office", "mailing", "billing", "primary",
            "main", "home", "personal", "private", "other", "alternate", "alt", "shipping", "secondary", "contact",
            "current", "vendor", "supplier", "default");

    private final SynonymTable table;

    BuiltInMatcher(SynonymTable table) {
        this.table = table;
    }

    /** Candidates of column {@code c}; empty when the column should stay unmapped. */
    List<Candidate> candidates(ObjectDef target, int c, String header, ValueProfile profile) {
        HeaderKey key = HeaderKey.of(header);
        if (key.compact().isEmpty()) {
            return List.of();
        }
        double indexPenalty = key.index() >= 2 ? INDEX_PENALTY * (Math.min(key.index(), 4) - 1) : 0;

        Map<Integer, Candidate> found = byName(target, c, key.compact(), key.plain(), 0);
        if (found.isEmpty()) {
            if (table.neverMap(target.slug(), key.normalized())) {
                return List.of();
            }
            addressAndPhone(target, c, header, found);
        }
        if (found.isEmpty()) {
            String stripped = key.compactWithout(QUALIFIERS);
            if (!stripped.isEmpty() && !stripped.equals(key.compact())) {
                found = byName(target, c, stripped, null, QUALIFIED_PENALTY);
            }
        }
        if (found.isEmpty()) {
            found = fuzzy(target, c, key);
        }
        List<Candidate> out = new ArrayList<>();
        for (Candidate cand : found.values()) {
            // An exact match's number is part of the label ("Soc2 Audit End"), not a second column of the field.
            out.add(cand.reason() == MatchReason.EXACT ? cand
                    : cand.withScore(cand.score() - indexPenalty, cand.reason()));
        }
        return byValues(target, c, profile, out);
    }

    /**
     * Slug, label and synonym matches of a compact key. Only a header worded as the field's slug or label ({@code
     * plain} equal to theirs, with no qualifier stripped) is {@link MatchReason#EXACT}; one that equals them only once
     * its numbers or filler words are dropped ("Email_2", "E-mail 1 - Value") is an alias, scored as a synonym less
     * {@link #SUFFIXED_PENALTY}, as is a synonym that way.
     *
     * @param plain the header's {@link HeaderKey#plain()} key; null when {@code compact} had qualifiers stripped
     */
    private Map<Integer, Candidate> byName(ObjectDef target, int c, String compact, String plain, double penalty) {
        Map<Integer, Candidate> found = new LinkedHashMap<>();
        List<SynonymTable.Entry> synonyms = table.lookup(target.slug(), compact);
        List<Field> fields = target.fields();
        for (int f = 0; f < fields.size(); f++) {
            Field field = fields.get(f);
            if (compact.equals(HeaderKey.compactOf(field.slug())) || compact.equals(HeaderKey.compactOf(field.label()))) {
                Optional<SynonymTable.Entry> ambiguous = synonyms.stream()
                        .filter(e -> e.field().equals(field.slug()) && e.explicitConfidence())
                        .findFirst();
                boolean worded = plain != null && (plain.equals(HeaderKey.plainOf(field.slug()))
                        || plain.equals(HeaderKey.plainOf(field.label())));
                double suffixed = plain != null && !worded ? SUFFIXED_PENALTY : 0;
                Candidate cand = ambiguous.isPresent() || !worded
                        ? new Candidate(c, f, field.slug(), Candidate.round(ambiguous.map(
                                SynonymTable.Entry::confidence).orElse(SynonymTable.DEFAULT_CONFIDENCE) - penalty
                                - suffixed), MatchReason.ALIAS)
                        : new Candidate(c, f, field.slug(), EXACT, MatchReason.EXACT);
                found.merge(f, cand, BuiltInMatcher::better);
            }
        }
        for (SynonymTable.Entry e : synonyms) {
            int f = indexOf(target, e.field());
            if (f >= 0) {
                double suffixed = plain != null && !plain.equals(e.plain()) ? SUFFIXED_PENALTY : 0;
                Candidate cand = new Candidate(c, f, e.field(), Candidate.round(e.confidence() - penalty - suffixed),
                        MatchReason.ALIAS);
                found.merge(f, cand, BuiltInMatcher::better);
            }
        }
        return found;
    }

    private static void addressAndPhone(ObjectDef target, int c, String header, Map<Integer, Candidate> found) {
        Optional<String> part = AddressParts.addressPart(header);
        List<Field> fields = target.fields();
        for (int f = 0; f < fields.size(); f++) {
            Field field = fields.get(f);
            if (field.type() == FieldType.ADDRESS && part.isPresent()) {
                double score = ADDRESS_PART - 0.03 * AddressParts.rank(header);
                found.put(f, new Candidate(c, f, field.slug(), Candidate.round(score), MatchReason.ALIAS));
            } else if (field.type() == FieldType.PHONE && ValueTypes.isPhone(header)) {
                found.put(f, new Candidate(c, f, field.slug(), PHONE, MatchReason.ALIAS));
            }
        }
    }

    private Map<Integer, Candidate> fuzzy(ObjectDef target, int c, HeaderKey key) {
        Map<Integer, Candidate> found = new LinkedHashMap<>();
        String plain = key.compact();
        String stripped = key.compactWithout(QUALIFIERS);
        List<Field> fields = target.fields();
        for (int f = 0; f < fields.size(); f++) {
            Field field = fields.get(f);
            List<String> names = new ArrayList<>();
            names.add(HeaderKey.compactOf(field.slug()));
            names.add(HeaderKey.compactOf(field.label()));
            for (SynonymTable.Entry e : table.entries(target.slug())) {
                if (e.field().equals(field.slug())) {
                    names.add(e.compact());
                }
            }
            double best = 0;
            for (String name : names) {
                for (String candidate : List.of(plain, stripped)) {
                    if (name.length() >= 4 && candidate.length() >= 4) {
                        best = Math.max(best, Similarity.ratio(candidate, name));
                    }
                }
            }
            if (best >= FUZZY_THRESHOLD) {
                found.put(f, new Candidate(c, f, field.slug(), Candidate.round(FUZZY_SCALE * best),
                        MatchReason.FUZZY));
            }
        }
        return found;
    }

    /**
     * Lets the sample values confirm, contradict or (when the header said nothing) propose a field. Only when the
     * header gave no candidate do values alone suggest one.
     */
    private static List<Candidate> byValues(ObjectDef target, int c, ValueProfile profile, List<Candidate> byName) {
        if (profile.values().isEmpty()) {
            return byName;
        }
        List<Candidate> out = new ArrayList<>();
        for (Candidate cand : byName) {
            Field field = target.fields().get(cand.field());
            out.add(contradicts(field, profile) ? cand.withScore(cand.score() * CONTRADICTED, cand.reason()) : cand);
        }
        int linkedin = indexOf(target, "linkedinUrl");
        if (profile.kind() == ValueProfile.Kind.LINKEDIN_URL && linkedin >= 0
                && (byName.isEmpty() || byName.stream().anyMatch(x -> isType(target, x.field(), FieldType.URL)))) {
            out.removeIf(x -> x.field() == linkedin);
            out.replaceAll(x -> isType(target, x.field(), FieldType.URL) ? x.withScore(x.score() * CONTRADICTED,
                    x.reason()) : x);
            out.add(new Candidate(c, linkedin, "linkedinUrl", 0.75, MatchReason.VALUE_TYPE));
            return out;
        }
        if (!byName.isEmpty()) {
            return out;
        }
        List<Field> fields = target.fields();
        for (int f = 0; f < fields.size(); f++) {
            Field field = fields.get(f);
            double score = switch (profile.kind()) {
                case EMAIL -> field.type() == FieldType.EMAIL ? 0.7 : 0;
                case URL, LINKEDIN_URL -> field.type() == FieldType.URL
                        ? (field.slug().equals("website") ? 0.65 : 0.6) : 0;
                case PHONE -> field.type() == FieldType.PHONE ? 0.65 : 0;
                case DATE -> onlyOfType(target, field, FieldType.DATE, FieldType.DATETIME) ? 0.6 : 0;
                case NUMBER -> onlyOfType(target, field, FieldType.NUMBER, FieldType.INTEGER) ? 0.6 : 0;
                case BOOLEAN -> onlyOfType(target, field, FieldType.BOOLEAN) ? 0.6 : 0;
                case NONE -> 0;
            };
            if (field.type() == FieldType.ENUM && profile.shareOfOptions(field.options()) >= ValueProfile.AGREEMENT) {
                score = 0.75;
            }
            if (score > 0) {
                out.add(new Candidate(c, f, field.slug(), score, MatchReason.VALUE_TYPE));
            }
        }
        return out;
    }

    private static boolean contradicts(Field field, ValueProfile profile) {
        return switch (field.type()) {
            case EMAIL -> profile.kind() != ValueProfile.Kind.EMAIL;
            case URL -> profile.kind() != ValueProfile.Kind.URL && profile.kind() != ValueProfile.Kind.LINKEDIN_URL;
            case PHONE -> profile.kind() != ValueProfile.Kind.PHONE;
            default -> false;
        };
    }

    private static boolean onlyOfType(ObjectDef target, Field field, FieldType... types) {
        Set<FieldType> wanted = Set.of(types);
        return wanted.contains(field.type())
                && target.fields().stream().filter(x -> wanted.contains(x.type())).count() == 1;
    }

    private static boolean isType(ObjectDef target, int field, FieldType type) {
        return target.fields().get(field).type() == type;
    }

    static int indexOf(ObjectDef target, String slug) {
        for (int f = 0; f < target.fields().size(); f++) {
            if (target.fields().get(f).slug().equals(slug)) {
                return f;
            }
        }
        return -1;
    }

    private static Candidate better(Candidate a, Candidate b) {
        return Comparator.comparingDouble(Candidate::score).compare(b, a) > 0 ? b : a;
    }
}
