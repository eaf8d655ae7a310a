package dev.freight.app;

import java.io.PrintStream;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.Environment;

/**
 * On the first start with an empty database: create the default organization and print its key, once, with a curl
 * line to try it at FREIGHT_PUBLIC_URL when set, else at the local address. Runs when the web server has its port,
 * before start-up is reported complete.
 */
final class Bootstrap implements ApplicationListener<WebServerInitializedEvent> {

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
    public void onApplicationEvent(WebServerInitializedEvent event) {
        tenants.bootstrap(config.bootstrapApiKey()).ifPresent(created -> {
            String base = config.publicUrl() != null ? config.publicUrl() : localUrl(event);
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

    /** The address the server listens on, for a banner without FREIGHT_PUBLIC_URL. */
    private String localUrl(WebServerInitializedEvent event) {
        String host = environment.getProperty("server.address", "127.0.0.1");
        return "http://" + (host.equals("0.0.0.0") ? "127.0.0.1" : host) + ":" + event.getWebServer().getPort();
    }
}
