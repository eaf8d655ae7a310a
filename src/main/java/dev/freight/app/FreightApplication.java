package dev.freight.app;

import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Entry point. With no arguments (or Spring options only) it runs the HTTP service; with {@code orgs …} or
 * {@code keys …} it runs that command against the configured database and exits; with {@code train} it runs the
 * training run of the JDK's ahead-of-time cache ({@link Training}); with {@code --help} it prints the usage. Any other
 * first argument that is not an option is refused with the usage (exit code 2) rather than starting the service.
 */
@SpringBootApplication(scanBasePackages = "dev.freight")
public class FreightApplication {

    public static void main(String[] args) {
        if (args.length > 0 && Cli.HELP.contains(args[0])) {
            System.out.println(Cli.USAGE);
            return;
        }
        if (args.length > 0 && !args[0].startsWith("-") && !Cli.COMMANDS.contains(args[0])
                && !args[0].equals(Training.COMMAND)) {
            // Not a setting (--server.port=9000) nor a command: starting the service anyway would hide the mistake.
            System.err.println("Unknown command \"" + args[0] + "\"\n" + Cli.USAGE);
            System.exit(2);
        }
        if (args.length > 0 && Cli.COMMANDS.contains(args[0])) {
            System.exit(Cli.run(args, System.out, System.err));
        }
        if (args.length > 0 && args[0].equals(Training.COMMAND)) {
            // Returning from main, not System.exit, on success: the JVM writes its ahead-of-time cache at exit.
            int code = Training.run(args, System.out, System.err);
            if (code != 0) {
                System.exit(code);
            }
            return;
        }
        start(args, Map.of());
    }

    /**
     * Starts the service; {@code properties} override every other source of configuration (tests use this to pick
     * a database and port).
     */
    public static ConfigurableApplicationContext start(String[] args, Map<String, String> properties) {
        return application(WebApplicationType.SERVLET).run(withProperties(args, properties));
    }

    static String[] withProperties(String[] args, Map<String, String> properties) {
        return Stream.concat(Arrays.stream(args),
                        properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()))
                .toArray(String[]::new);
    }

    static SpringApplication application(WebApplicationType type) {
        SpringApplication app = new SpringApplication(FreightApplication.class);
        app.setWebApplicationType(type);
        // Check the settings before anything else starts, so a bad one stops start-up with one sentence.
        app.addListeners((ApplicationListener<ApplicationEnvironmentPreparedEvent>) event ->
                FreightConfig.from(event.getEnvironment()::getProperty));
        return app;
    }
}
