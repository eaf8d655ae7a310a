package dev.freight.app;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * An answer as the README shows it: an optional status, then JSON in which {@code …} stands for what varies. A string
 * with {@code …} matches any text in its place; {@code …} alone (or {@code "…"}) as a value matches any value, as a
 * member any further members, as the last element of an array any further elements; {@code [words]} is a description
 * of an array, any array. Members listed after a leading {@code …} are some members of the answer (of its {@code data}
 * when it has one): the README's {@code 400 … "errors": […]}. A status followed by {@code , status "queued"} shows one
 * member in words. Without a {@code …} member an object has exactly the members shown.
 *
 * @param status the status shown, or null
 * @param body the JSON shown, or null when none
 * @param some whether the body lists some members of the answer (a leading {@code …}) rather than the whole answer
 */
record ShownAnswer(Integer status, JsonNode body, boolean some) {

    static final String MORE = "…";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern STATUS = Pattern.compile("^(\\d{3})\\b,?\\s*");
    private static final Pattern IN_WORDS = Pattern.compile("^(\\w+) \"([^\"]*)\"");
    private static final Pattern ID = Pattern.compile("^\\w+_" + MORE + "$");

    /** Reads an answer from the text after {@code →}. */
    static ShownAnswer parse(String text) {
        String rest = text.strip();
        Integer status = null;
        Matcher m = STATUS.matcher(rest);
        if (m.find()) {
            status = Integer.valueOf(m.group(1));
            rest = rest.substring(m.end());
        }
        if (rest.isEmpty()) {
            return new ShownAnswer(status, null, false);
        }
        Reader reader = new Reader(rest);
        if (rest.startsWith("{")) {
            return new ShownAnswer(status, reader.value(), false);
        }
        if (rest.startsWith(MORE) || rest.startsWith("\"")) {
            return new ShownAnswer(status, reader.members(), true);
        }
        Matcher words = IN_WORDS.matcher(rest);
        if (words.find()) {
            ObjectNode one = NODES.objectNode();
            one.put(words.group(1), words.group(2));
            one.put(MORE, MORE);
            return new ShownAnswer(status, one, true);
        }
        throw new IllegalArgumentException("Not an answer the README shows as status and JSON: " + text);
    }

    /** Reads the JSON the README shows (its {@code ```json} blocks), with {@code …} as {@link #parse} reads it. */
    static JsonNode json(String text) {
        return new Reader(text.strip()).value();
    }

    /** {@code shown} with every member named {@code name}, at any depth, set to {@code value}. */
    static JsonNode replaced(JsonNode shown, String name, JsonNode value) {
        if (shown instanceof ObjectNode object) {
            ObjectNode copy = NODES.objectNode();
            for (Map.Entry<String, JsonNode> e : object.properties()) {
                copy.set(e.getKey(), e.getKey().equals(name) ? value : replaced(e.getValue(), name, value));
            }
            return copy;
        }
        if (shown instanceof ArrayNode array) {
            ArrayNode copy = NODES.arrayNode();
            array.forEach(element -> copy.add(replaced(element, name, value)));
            return copy;
        }
        return shown;
    }

    /**
     * How {@code actual} differs from {@code shown}, one sentence per difference naming where; empty when it is as
     * shown. The README's base URL in a shown string stands for {@code base}. Every string shown with {@code …} that
     * matched is recorded in {@code learned}: an id such as {@code imp_…} under that text, any other under
     * {@code <the member>} (the README's {@code <the _upload_url>}).
     */
    static List<String> differences(JsonNode shown, JsonNode actual, String readmeBase, String base,
            Map<String, String> learned) {
        List<String> out = new ArrayList<>();
        new Comparison(readmeBase, base, learned, out).compare("", "", shown, actual);
        return out;
    }

    private record Comparison(String readmeBase, String base, Map<String, String> learned, List<String> out) {

        void compare(String path, String name, JsonNode shown, JsonNode actual) {
            String where = path.isEmpty() ? "the answer" : path;
            if (shown.isString() && shown.asString().equals(MORE)) {
                return;
            }
            if (actual == null || actual.isMissingNode()) {
                out.add(where + ": the README shows " + shown + ", the answer has no such member");
            } else if (shown.isString() && shown.asString().contains(MORE)) {
                String text = shown.asString().replace(readmeBase, base);
                if (!actual.isString() || !pattern(text).matcher(actual.asString()).matches()) {
                    out.add(where + ": the README shows \"" + shown.asString() + "\", the answer has " + actual);
                } else {
                    learned.put(ID.matcher(text).matches() ? text : "<the " + name + ">", actual.asString());
                }
            } else if (shown.isNumber()) {
                boolean same = actual.isNumber() && (name.endsWith("_at")
                        ? actual.isIntegralNumber()
                        : actual.decimalValue().compareTo(shown.decimalValue()) == 0);
                if (!same) {
                    out.add(where + ": the README shows " + shown + (name.endsWith("_at") ? " (a time)" : "")
                            + ", the answer has " + actual);
                }
            } else if (shown.isObject()) {
                compareObjects(path, where, shown, actual);
            } else if (shown.isArray()) {
                compareArrays(path, where, shown, actual);
            } else if (!shown.equals(actual)) {
                out.add(where + ": the README shows " + shown + ", the answer has " + actual);
            }
        }

        private void compareObjects(String path, String where, JsonNode shown, JsonNode actual) {
            if (!actual.isObject()) {
                out.add(where + ": the README shows an object, the answer has " + actual);
                return;
            }
            Set<String> names = new LinkedHashSet<>(shown.propertyNames());
            boolean more = names.remove(MORE);
            for (String member : names) {
                compare(path.isEmpty() ? member : path + "." + member, member, shown.get(member), actual.get(member));
            }
            Set<String> unshown = new TreeSet<>(actual.propertyNames());
            unshown.removeAll(names);
            if (!more && !unshown.isEmpty()) {
                out.add(where + ": the answer has members the README does not show: " + unshown);
            }
        }

        private void compareArrays(String path, String where, JsonNode shown, JsonNode actual) {
            if (!actual.isArray()) {
                out.add(where + ": the README shows an array, the answer has " + actual);
                return;
            }
            int listed = shown.size();
            boolean more = listed > 0 && shown.get(listed - 1).isString() && shown.get(listed - 1).asString()
                    .equals(MORE);
            if (more) {
                listed--;
            }
            if (more ? actual.size() < listed : actual.size() != listed) {
                out.add(where + ": the README shows " + (more ? "at least " : "") + listed
                        + " elements, the answer has " + actual.size() + ": " + actual);
                return;
            }
            for (int i = 0; i < listed; i++) {
                compare(path + "[" + i + "]", "", shown.get(i), actual.get(i));
            }
        }

        private static Pattern pattern(String text) {
            StringBuilder regex = new StringBuilder();
            String[] parts = text.split(MORE, -1);
            for (int i = 0; i < parts.length; i++) {
                regex.append(i > 0 ? ".+" : "").append(Pattern.quote(parts[i]));
            }
            return Pattern.compile(regex.toString(), Pattern.DOTALL);
        }
    }

    /** A lenient reader of the JSON the README shows. */
    private static final class Reader {
        private final String text;
        private int at;

        Reader(String text) {
            this.text = text;
        }

        /** Members to the end of the text: {@code … "a": 1, "b": 2} (no comma needed after the leading {@code …}). */
        ObjectNode members() {
            ObjectNode object = NODES.objectNode();
            while (true) {
                member(object);
                space();
                if (at == text.length()) {
                    return object;
                }
                if (text.charAt(at) == ',') {
                    at++;
                } else {
                    expect(object.size() == 1 && object.has(MORE) && text.charAt(at) == '"', "',' or the end");
                }
            }
        }

        JsonNode value() {
            space();
            char c = peek();
            if (c == '{') {
                at++;
                ObjectNode object = NODES.objectNode();
                space();
                if (peek() == '}') {
                    at++;
                    return object;
                }
                while (true) {
                    member(object);
                    space();
                    char next = peek();
                    at++;
                    if (next == '}') {
                        return object;
                    }
                    expect(next == ',', "',' or '}'");
                }
            }
            if (c == '[') {
                at++;
                space();
                if (Character.isLetter(peek())) {
                    // "[first 1,000 problems]": a description of the array.
                    int close = text.indexOf(']', at);
                    expect(close > 0, "']'");
                    at = close + 1;
                    return NODES.stringNode(MORE);
                }
                ArrayNode array = NODES.arrayNode();
                if (peek() == ']') {
                    at++;
                    return array;
                }
                while (true) {
                    array.add(value());
                    space();
                    char next = peek();
                    at++;
                    if (next == ']') {
                        return array;
                    }
                    expect(next == ',', "',' or ']'");
                }
            }
            if (c == '"') {
                return NODES.stringNode(string());
            }
            if (text.startsWith(MORE, at)) {
                at += MORE.length();
                return NODES.stringNode(MORE);
            }
            for (String literal : List.of("true", "false", "null")) {
                if (text.startsWith(literal, at)) {
                    at += literal.length();
                    return literal.equals("null") ? NODES.nullNode() : NODES.booleanNode(literal.equals("true"));
                }
            }
            int start = at;
            while (at < text.length() && "-+.eE0123456789".indexOf(text.charAt(at)) >= 0) {
                at++;
            }
            expect(at > start, "a value");
            BigDecimal number = new BigDecimal(text.substring(start, at));
            return number.scale() <= 0 ? NODES.numberNode(number.toBigInteger()) : NODES.numberNode(number);
        }

        private void member(ObjectNode object) {
            space();
            if (text.startsWith(MORE, at)) {
                at += MORE.length();
                object.put(MORE, MORE);
                return;
            }
            expect(peek() == '"', "a member name");
            String name = string();
            space();
            expect(peek() == ':', "':'");
            at++;
            object.set(name, value());
        }

        private String string() {
            StringBuilder s = new StringBuilder();
            at++;
            while (true) {
                char c = peek();
                at++;
                if (c == '"') {
                    return s.toString();
                }
                if (c == '\\') {
                    c = peek();
                    at++;
                }
                s.append(c);
            }
        }

        private char peek() {
            expect(at < text.length(), "more text");
            return text.charAt(at);
        }

        private void space() {
            while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
                at++;
            }
        }

        private void expect(boolean condition, String what) {
            if (!condition) {
                throw new IllegalArgumentException("Expected " + what + " at " + at + " of the answer the README "
                        + "shows: " + text);
            }
        }
    }
}
