package dev.freight.mapping;

/** One possible (column, field) pair with its score; column and field are positions in the input and the object. */
record Candidate(int column, int field, String slug, double score, MatchReason reason) {

    Candidate withScore(double newScore, MatchReason newReason) {
        return new Candidate(column, field, slug, round(newScore), newReason);
    }

    static double round(double score) {
        return Math.round(Math.max(0, Math.min(1, score)) * 1000) / 1000.0;
    }
}
