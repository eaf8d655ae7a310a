package dev.freight.app;

import java.io.PrintStream;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.core.env.Environment;

/** On the first start with an empty database: create the default organization and print its key, once. */
final class Bootstrap implements ApplicationRunner {

    private final Tenants tenants;
    private final FreightConfig config;
    private final Environment environment;
    private final PrintStream out;

    Bootstrap(Tenants tenants, FreightConfig config, Environment environment, PrintStream out) {
        this.tenants = tenants;
        this.config = config;
        this.environment = environment;
        this.out = out;
    }

    @Override
    public void run(ApplicationArguments args) {
        tenants.bootstrap(config.bootstrapApiKey()).ifPresent(created -> {
            String host = environment.getProperty("server.address", "127.0.0.1");
            String base = "http://" + (host.equals("0.0.0.0") ? "127.0.0.1" : host) + ":"
                    + environment.getProperty("local.server.port", environment.getProperty("server.port", "8080"));
            String shown = config.bootstrapApiKey() != null ? "$FREIGHT_BOOTSTRAP_API_KEY" : created.secret();
            out.println();
            out.println("==============================================================================");
            out.println(" Freight created the organization \"default\" and a service-account API key.");
            if (config.bootstrapApiKey() != null) {
                out.println(" The key is the one given in FREIGHT_BOOTSTRAP_API_KEY (prefix "
                        + created.key().prefix() + ").");
            } else {
                out.println(" This key is shown once and never again. Store it now:");
                out.println();
                out.println("   " + created.secret());
            }
            out.println();
            out.println(" Try it:");
            out.println("   curl -H \"Authorization: Bearer " + shown + "\" " + base + "/v1/import-reports");
            out.println("==============================================================================");
            out.println();
            out.flush();
        });
    }
}
