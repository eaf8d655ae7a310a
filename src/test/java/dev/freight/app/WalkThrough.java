package dev.freight.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * README.md's walk-through read as a user reads it: the first start's banner, every shell command of its {@code ```sh}
 * blocks in order, each with its step ({@code # 10a. …}), the answer shown under it ({@code #   → …}) and the
 * {@code ```json} blocks. A command is one shell command however many lines it spans (quotes and {@code \} line ends).
 */
record WalkThrough(List<String> banner, List<Command> commands, Map<String, String> prose,
        Map<String, String> jsonAfter) {

    static final String SECTION = "## Walk-through";
    private static final Pattern STEP = Pattern.compile("^# (\\d+[a-z]?)\\. ");
    private static final Pattern ANSWER = Pattern.compile("^#\\s+→\\s*(.*)$");
    private static final Pattern ANSWER_MORE = Pattern.compile("^#\\s{4,}(\\S.*)$");

    /**
     * One shell command: its step ({@code "0"} before the first numbered one), its place in the step (from 1), its text
     * as written, and the lines of the answer shown under it (empty when none is shown).
     */
    record Command(String step, int ordinal, String shell, List<String> answer) {

        /** {@code step/ordinal}, e.g. {@code 13/2} for the second command of step 13. */
        String id() {
            return step + "/" + ordinal;
        }
    }

    /** The walk-through of {@code readme}. */
    static WalkThrough read(Path readme) {
        List<String> lines;
        try {
            lines = Files.readAllLines(readme);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int start = lines.indexOf(SECTION);
        assertThat(start).as("%s has the section %s", readme, SECTION).isNotNegative();
        int end = start + 1;
        while (end < lines.size() && !lines.get(end).startsWith("## ")) {
            end++;
        }
        Parser parser = new Parser();
        String fence = null;
        List<String> block = new ArrayList<>();
        List<String> banner = null;
        for (String line : lines.subList(start + 1, end)) {
            if (fence == null && line.startsWith("```")) {
                fence = line.substring(3).strip();
                block.clear();
            } else if (fence != null && line.equals("```")) {
                switch (fence) {
                    case "sh" -> block.forEach(parser::line);
                    case "json" -> parser.jsonAfter.put(parser.step, String.join("\n", block));
                    default -> banner = banner == null ? List.copyOf(block) : banner;
                }
                fence = null;
            } else if (fence != null) {
                block.add(line);
            }
        }
        assertThat(fence).as("every code block of %s ends", SECTION).isNull();
        assertThat(parser.pending).as("the last command of %s ends", SECTION).isNull();
        assertThat(banner).as("%s shows the first start's banner", SECTION).isNotNull();
        Map<String, String> prose = new LinkedHashMap<>();
        parser.prose.forEach((step, text) -> prose.put(step, text.toString()));
        return new WalkThrough(banner, parser.commands(), prose, parser.jsonAfter);
    }

    /** The {@code ```json} block shown after the commands of {@code step}. */
    String jsonAfter(String step) {
        String json = jsonAfter.get(step);
        assertThat(json).as("README shows a json answer after step %s", step).isNotNull();
        return json;
    }

    /** The comment lines of {@code step}, joined by spaces with their {@code #} removed. */
    String prose(String step) {
        String text = prose.get(step);
        assertThat(text).as("README has a step %s", step).isNotNull();
        return text;
    }

    /** Reads the lines of the {@code ```sh} blocks in order. */
    private static final class Parser {
        private final List<String> steps = new ArrayList<>();
        private final List<String> shells = new ArrayList<>();
        private final List<List<String>> answers = new ArrayList<>();
        private final Map<String, StringBuilder> prose = new LinkedHashMap<>();
        private final Map<String, String> jsonAfter = new LinkedHashMap<>();
        private String step = "0";
        private StringBuilder pending;
        private List<String> answer;

        void line(String line) {
            if (pending != null) {
                pending.append('\n').append(line);
                endIfComplete();
                return;
            }
            if (line.isBlank()) {
                answer = null;
                return;
            }
            if (!line.startsWith("#")) {
                answer = null;
                pending = new StringBuilder(line);
                endIfComplete();
                return;
            }
            Matcher shown = ANSWER.matcher(line);
            Matcher more = ANSWER_MORE.matcher(line);
            Matcher numbered = STEP.matcher(line);
            if (numbered.find()) {
                step = numbered.group(1);
                answer = null;
            } else if (shown.matches() && !answers.isEmpty()) {
                answer = answers.getLast();
                answer.add(shown.group(1));
                return;
            } else if (answer != null && more.matches()) {
                answer.add(more.group(1));
                return;
            } else {
                answer = null;
            }
            prose.computeIfAbsent(step, s -> new StringBuilder()).append(line.substring(1).strip()).append(' ');
        }

        private void endIfComplete() {
            if (complete(pending)) {
                steps.add(step);
                shells.add(pending.toString());
                answers.add(new ArrayList<>());
                pending = null;
            }
        }

        List<Command> commands() {
            List<Command> commands = new ArrayList<>();
            Map<String, Integer> ordinals = new LinkedHashMap<>();
            for (int i = 0; i < shells.size(); i++) {
                String s = steps.get(i);
                commands.add(new Command(s, ordinals.merge(s, 1, Integer::sum), shells.get(i),
                        List.copyOf(answers.get(i))));
            }
            return commands;
        }
    }

    /**
     * Whether {@code text} is a whole shell command: no quote left open and no {@code \} at its end. A {@code #} that
     * starts a word outside quotes comments out the rest of its line.
     */
    static boolean complete(CharSequence text) {
        char quote = 0;
        boolean continued = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            continued = false;
            if (quote == '\'') {
                if (c == '\'') {
                    quote = 0;
                }
            } else if (c == '\\') {
                continued = i + 1 == text.length();
                i++;
            } else if (quote == '"') {
                if (c == '"') {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '#' && (i == 0 || Character.isWhitespace(text.charAt(i - 1)))) {
                int newline = text.toString().indexOf('\n', i);
                i = newline < 0 ? text.length() : newline;
            }
        }
        return quote == 0 && !continued;
    }
}
