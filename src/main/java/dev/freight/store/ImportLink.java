package dev.freight.store;

/**
 * A reference a file workflow row gave to a record of its own object that was not stored yet (a later row of the
 * import, or none): the import adds it to the row's record after its last row.
 *
 * @param ordinal the row's ordinal in the source
 * @param recordId the record the row created or updated
 * @param field the reference field
 * @param valueJson the field's value as the row gave it, as stored JSON of the one field ({@code {"field": ...}})
 * @param writtenJson the field's value the row left on the record, the same way; null when it left none. The link is
 *     added only while the record still has that value: a later row, or someone else, may have changed it since
 * @param unchanged whether the row otherwise left the record as it was (it was counted unchanged)
 * @param row what the error file and the undoing of the row's write need, should the link reject its row after the
 *     last row (its value names several records by name, or, for a required field, matches nothing); null when not
 *     known (a link stored while only a required field's links kept it, or one that only names a link to forget),
 *     and such a link rejects nothing
 */
public record ImportLink(long ordinal, String recordId, String field, String valueJson, String writtenJson,
        boolean unchanged, Row row) {

    /**
     * The row a link came from.
     *
     * @param line the row's source line
     * @param cellsJson the row's original cells as JSON
     * @param outcome what the row did to its record: {@code created}, {@code updated} or {@code unchanged}
     * @param shared whether another row of the row's chunk wrote the same record, so the row's write cannot be undone
     *     alone
     * @param gaveExternalId the external_id the row gave its record, which had none (the row matched it by other
     *     fields); null when it gave none
     */
    public record Row(long line, String cellsJson, String outcome, boolean shared, String gaveExternalId) {}
}
