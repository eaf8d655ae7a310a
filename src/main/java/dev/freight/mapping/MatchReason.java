package dev.freight.mapping;

/** Why a column was matched to a field. {@link #wire()} is the stable name used in the API. */
public enum MatchReason {
    /** The header is the field's slug or label, ignoring case and separators, without a number or qualifier. */
    EXACT("exact"),
    /** The header is a known synonym of the field (a synonym-table entry, an address part or a phone kind). */
    ALIAS("alias"),
    /** The organization confirmed this header → field mapping before. */
    REMEMBERED("remembered"),
    /** The header is close in spelling to the field's label or a synonym. */
    FUZZY("fuzzy"),
    /** The header says nothing, but the sample values look like the field's type (emails, URLs, options…). */
    VALUE_TYPE("value_type");

    private final String wire;

    MatchReason(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }
}
