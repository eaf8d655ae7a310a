package dev.freight.app;

import dev.freight.store.ApiKey;
import dev.freight.store.Database;
import dev.freight.store.KeyKind;
import dev.freight.store.Organization;
import dev.freight.store.Scope;
import dev.freight.store.StoreException;
import dev.freight.store.TenantStore;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The jar's sub-commands, run against the configured database:
 * <pre>
 * orgs create --slug acme [--name "Acme Inc"]
 * keys create --org acme --kind service_account|user [--name nightly-erp] [--scopes import,read]
 * keys list --org acme
 * </pre>
 */
final class Cli {

    static final List<String> COMMANDS = List.of("orgs", "keys");

    private static final List<String> OPTIONS = List.of("slug", "name", "org", "kind", "scopes");

    /** The arguments that ask for {@link #USAGE} instead of running anything. */
    static final List<String> HELP = List.of("--help", "-h", "help");

    static final String USAGE = """
            usage:
              java -jar freight.jar [--setting=value ...]   starts the service (settings: docs/operations.md)
              java -jar freight.jar orgs create --slug SLUG [--name NAME]
              java -jar freight.jar keys create --org SLUG --kind service_account|user [--name NAME] [--scopes admin,import,export,read]
              java -jar freight.jar keys list --org SLUG""";

    private Cli() {}

    /** Runs one command; returns the process exit code (0 ok, 1 failed, 2 bad usage). */
    static int run(String[] args, PrintStream out, PrintStream err) {
        String command = args.length >= 2 ? args[0] + " " + args[1] : args[0];
        Map<String, String> options = new HashMap<>();
        List<String> springArgs = new ArrayList<>();
        // Only Spring settings (--freight.data-dir=…) go to Spring; the log stays quiet so the output is the answer.
        springArgs.add("--logging.level.root=WARN");
        springArgs.add("--spring.main.log-startup-info=false");
        springArgs.add("--db-scheduler.enabled=false");
        for (int i = 2; i < args.length; i++) {
            String name = args[i].startsWith("--") ? args[i].substring(2).split("=", 2)[0] : "";
            if (OPTIONS.contains(name) && args[i].contains("=")) {
                options.put(name, args[i].split("=", 2)[1]);
            } else if (args[i].startsWith("--") && args[i].contains("=")) {
                springArgs.add(args[i]);
            } else if (args[i].startsWith("--") && i + 1 < args.length) {
                options.put(args[i].substring(2), args[++i]);
            } else {
                err.println("Unexpected argument \"" + args[i] + "\"\n" + USAGE);
                return 2;
            }
        }
        if (!List.of("orgs create", "keys create", "keys list").contains(command)) {
            err.println("Unknown command \"" + command + "\"\n" + USAGE);
            return 2;
        }
        try (ConfigurableApplicationContext ctx = FreightApplication.application(WebApplicationType.NONE)
                .run(springArgs.toArray(String[]::new))) {
            Tenants tenants = ctx.getBean(Tenants.class);
            switch (command) {
                case "orgs create" -> {
                    Organization org = tenants.createOrganization(required(options, "slug"),
                            options.getOrDefault("name", options.get("slug")));
                    out.println("Created organization " + org.slug() + " (" + org.id() + ")");
                }
                case "keys create" -> {
                    KeyKind kind = KeyKind.fromWireName(required(options, "kind")).orElseThrow(() ->
                            new ConfigException("--kind must be service_account or user, got \""
                                    + options.get("kind") + "\""));
                    Set<Scope> scopes = options.containsKey("scopes")
                            ? scopes(options.get("scopes"))
                            : Tenants.defaultScopes(kind);
                    Tenants.CreatedKey created = tenants.createKey(required(options, "org"),
                            options.getOrDefault("name", kind.wireName()), kind, scopes);
                    out.println("Created " + kind.wireName() + " key " + created.key().id() + " with scopes "
                            + scopes.stream().map(Scope::wireName).sorted().toList()
                            + ". It is shown once; store it now:");
                    out.println(created.secret());
                }
                default -> {
                    Database database = ctx.getBean(Database.class);
                    TenantStore store = ctx.getBean(TenantStore.class);
                    String slug = required(options, "org");
                    List<ApiKey> keys = database.withHandle(h -> store.organizationBySlug(h, slug)
                            .map(o -> store.keys(h, o.id()))
                            .orElseThrow(() -> Tenants.noOrganization(slug)));
                    keys.forEach(k -> out.println(k.id() + "  " + k.prefix() + "…  " + k.kind().wireName() + "  "
                            + k.name() + (k.revokedAt() == null ? "" : "  revoked " + k.revokedAt())));
                }
            }
            return 0;
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return 1;
        } catch (StoreException e) {
            err.println(e.isUniqueViolation()
                    ? "An organization with slug \"" + options.get("slug") + "\" already exists"
                    : "The database failed: " + e.getMessage());
            return 1;
        }
    }

    private static String required(Map<String, String> options, String name) {
        String v = options.get(name);
        if (v == null || v.isBlank()) {
            throw new ConfigException("--" + name + " is required\n" + USAGE);
        }
        return v;
    }

    private static Set<Scope> scopes(String list) {
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (String name : list.split(",")) {
            scopes.add(Scope.fromWireName(name.strip()).orElseThrow(() -> new ConfigException(
                    "--scopes takes admin, import, export and read, got \"" + name.strip() + "\"")));
        }
        return scopes;
    }
}
