package dev.freight.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freight.testing.Http;
import dev.freight.testing.TestDatabases;
import dev.freight.testing.TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/** docs/api.md's route table against the routes the running service's controllers map. */
class ApiDocRoutesTest {

    /** A path variable restricted to literal names, e.g. {@code {file:errors\.csv|errors\.json}}. */
    private static final Pattern CHOICE = Pattern.compile("\\{\\w+:([^}]*)}");
    private static final Pattern CODE = Pattern.compile("`([^`]+)`");

    @Test
    void theRouteTableListsEveryControllerRouteAndNoOther() throws IOException {
        TestServer server = TestServer.of(TestDatabases.SQLITE);
        Set<String> mapped = new TreeSet<>();
        server.bean("requestMappingHandlerMapping", RequestMappingHandlerMapping.class).getHandlerMethods()
                .forEach((info, method) -> {
                    if (!method.getBeanType().getPackageName().startsWith("dev.freight")) {
                        return;
                    }
                    for (String pattern : info.getPatternValues()) {
                        if (pattern.equals("/error")) {
                            continue;
                        }
                        for (RequestMethod m : info.getMethodsCondition().getMethods()) {
                            for (String path : expand(pattern)) {
                                mapped.add(m.name() + " " + path);
                            }
                        }
                    }
                });
        Set<String> documented = documentedRoutes();

        assertThat(mapped).hasSizeGreaterThanOrEqualTo(45);
        assertThat(mapped).as("controller routes missing from docs/api.md's Routes table")
                .isSubsetOf(documented);
        List<String> elsewhere = documented.stream().filter(r -> !mapped.contains(r)).toList();
        // The rest are the framework's (actuator, springdoc): they must answer.
        assertThat(elsewhere).containsExactly("GET /actuator/health", "GET /v3/api-docs");
        Http.Client client = new Http.Client(server.baseUrl(), null);
        for (String route : elsewhere) {
            assertThat(client.get(route.substring("GET ".length())).status()).as(route).isEqualTo(200);
        }
    }

    /** {@code /files/imports/{id}/{file:errors\.csv|errors\.json}} → one path per literal name. */
    private static List<String> expand(String pattern) {
        Matcher choice = CHOICE.matcher(pattern);
        if (!choice.find()) {
            return List.of(pattern);
        }
        List<String> paths = new ArrayList<>();
        for (String name : choice.group(1).split("\\|")) {
            paths.add(pattern.substring(0, choice.start()) + name.replace("\\.", ".") + pattern.substring(choice.end()));
        }
        return paths;
    }

    /**
     * The rows of the Routes table as {@code METHOD path}; a cell {@code `/a/b/x.csv`, `y.csv`} names {@code /a/b/x.csv}
     * and {@code /a/b/y.csv}.
     */
    private static Set<String> documentedRoutes() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("docs/api.md"));
        int at = lines.indexOf("### Routes");
        assertThat(at).isNotNegative();
        Set<String> routes = new TreeSet<>();
        for (String line : lines.subList(at + 1, lines.size())) {
            if (line.startsWith("#")) {
                break;
            }
            if (!line.startsWith("| ") || line.startsWith("| method") || line.startsWith("|---")) {
                continue;
            }
            String[] cells = line.substring(2).split(" \\| ");
            Matcher code = CODE.matcher(cells[1]);
            String first = null;
            while (code.find()) {
                String path = code.group(1);
                if (first == null) {
                    first = path;
                } else {
                    path = first.substring(0, first.lastIndexOf('/') + 1) + path;
                }
                routes.add(cells[0] + " " + path);
            }
        }
        return routes;
    }
}
