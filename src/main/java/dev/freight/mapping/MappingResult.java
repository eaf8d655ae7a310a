package dev.freight.mapping;

import java.util.List;

/**
 * @param suggestions one per source column, in input order
 * @param aiUsed whether an external model was consulted and its answer used
 */
public record MappingResult(List<Suggestion> suggestions, boolean aiUsed) {

    public MappingResult {
        suggestions = List.copyOf(suggestions);
    }
}
