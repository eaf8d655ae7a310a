package dev.freight.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.schema.ObjectDef;
import dev.freight.schema.Schema;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Runs the built-in suggester (no model, no memory) over the labelled public export headers in
 * {@code src/test/resources/mapping/eval} and reports top-1 accuracy on mappable columns and the share of
 * not-mappable columns left unmapped, for the tuning sources, the holdout sources and all of them.
 */
class MappingEvaluationTest {

    static final double GOAL = 0.90;

    record Row(String header, String expected, String sample) {}

    record EvalFile(String name, String split, String object, List<Row> rows) {}

    static final class Tally {
        int mappable;
        int top1;
        int notMappable;
        int leftUnmapped;

        void add(Tally o) {
            mappable += o.mappable;
            top1 += o.top1;
            notMappable += o.notMappable;
            leftUnmapped += o.leftUnmapped;
        }

        double top1Rate() {
            return mappable == 0 ? 1 : (double) top1 / mappable;
        }

        double unmappedRate() {
            return notMappable == 0 ? 1 : (double) leftUnmapped / notMappable;
        }

        String line(String label) {
            return "%-28s top-1 %5.1f%% (%d/%d)   unmapped %5.1f%% (%d/%d)".formatted(label, 100 * top1Rate(), top1,
                    mappable, 100 * unmappedRate(), leftUnmapped, notMappable);
        }
    }

    @Test
    void meetsTheQualityGoalOnPublicExportHeaders() throws Exception {
        MappingSuggester suggester = new MappingSuggester();
        Schema schema = Schema.builtInOnly();
        Tally tuning = new Tally();
        Tally holdout = new Tally();
        StringBuilder report = new StringBuilder("Mapping evaluation (built-in matcher, no model, no memory)\n");
        List<String> misses = new ArrayList<>();
        for (EvalFile file : evalFiles()) {
            ObjectDef target = schema.object(file.object()).orElseThrow();
            List<String> columns = file.rows().stream().map(Row::header).toList();
            Map<String, String> sample = new LinkedHashMap<>();
            file.rows().stream().filter(r -> r.sample() != null).forEach(r -> sample.put(r.header(), r.sample()));
            List<Suggestion> got = suggester.suggest(target, columns, sample.isEmpty() ? List.of() : List.of(sample),
                    Map.of()).suggestions();
            Tally t = new Tally();
            for (int i = 0; i < columns.size(); i++) {
                Row row = file.rows().get(i);
                String slug = got.get(i).targetFieldSlug();
                if (row.expected().equals("-")) {
                    t.notMappable++;
                    if (slug == null) {
                        t.leftUnmapped++;
                    } else {
                        misses.add("%s: \"%s\" expected unmapped, got %s (%s %.3f)".formatted(file.name(),
                                row.header(), slug, got.get(i).reason().wire(), got.get(i).confidence()));
                    }
                } else {
                    t.mappable++;
                    if (row.expected().equals(slug)) {
                        t.top1++;
                    } else {
                        misses.add("%s: \"%s\" expected %s, got %s".formatted(file.name(), row.header(),
                                row.expected(), slug == null ? "unmapped" : slug));
                    }
                }
            }
            report.append("  ").append(t.line(file.name() + " [" + file.split() + "]")).append('\n');
            (file.split().equals("holdout") ? holdout : tuning).add(t);
        }
        Tally total = new Tally();
        total.add(tuning);
        total.add(holdout);
        report.append(tuning.line("TUNING")).append('\n');
        report.append(holdout.line("HOLDOUT")).append('\n');
        report.append(total.line("TOTAL")).append('\n');
        report.append("Misses:\n");
        misses.forEach(m -> report.append("  ").append(m).append('\n'));
        System.out.println(report);

        assertThat(total.top1Rate()).as("top-1 on mappable columns").isGreaterThanOrEqualTo(GOAL);
        assertThat(total.unmappedRate()).as("not-mappable columns left unmapped").isGreaterThanOrEqualTo(GOAL);
    }

    static List<EvalFile> evalFiles() throws IOException, URISyntaxException {
        Path dir = Path.of(MappingEvaluationTest.class.getClassLoader().getResource("mapping/eval").toURI());
        List<EvalFile> files = new ArrayList<>();
        try (Stream<Path> paths = Files.list(dir)) {
            for (Path p : paths.filter(x -> x.toString().endsWith(".tsv")).sorted().toList()) {
                files.add(read(p));
            }
        }
        assertThat(files).as("evaluation files").hasSizeGreaterThanOrEqualTo(10);
        return files;
    }

    private static EvalFile read(Path p) throws IOException {
        String split = null;
        String object = null;
        List<Row> rows = new ArrayList<>();
        int lineNo = 0;
        for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
            lineNo++;
            if (line.startsWith("# split: ")) {
                split = line.substring("# split: ".length()).strip();
            }
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] cols = line.split("\t");
            if (cols.length < 3 || cols.length > 4) {
                throw new IllegalStateException("%s line %d has %d columns, but expected 3 or 4"
                        .formatted(p.getFileName(), lineNo, cols.length));
            }
            if (object != null && !object.equals(cols[0])) {
                throw new IllegalStateException("%s line %d targets %s, but the file targets %s"
                        .formatted(p.getFileName(), lineNo, cols[0], object));
            }
            object = cols[0];
            rows.add(new Row(cols[1], cols[2], cols.length == 4 ? cols[3] : null));
        }
        if (split == null || !(split.equals("tuning") || split.equals("holdout"))) {
            throw new IllegalStateException(p.getFileName() + " has no \"# split: tuning|holdout\" line");
        }
        String name = p.getFileName().toString().replaceFirst("\\.tsv$", "");
        return new EvalFile(name, split, object, rows);
    }
}
