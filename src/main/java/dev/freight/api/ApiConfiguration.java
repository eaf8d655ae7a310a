package dev.freight.api;

import dev.freight.store.Database;
import dev.freight.store.TenantStore;
import dev.freight.store.ImportStore;
import dev.freight.store.KeySecrets;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.springdoc.core.utils.SpringDocUtils;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** Puts API-key authentication in front of {@code /v1/**}. */
@Configuration(proxyBeanMethods = false)
public class ApiConfiguration implements WebMvcConfigurer {

    private final ApiKeyAuthentication authentication;

    ApiConfiguration(Database database, TenantStore tenants) {
        this.authentication = new ApiKeyAuthentication(database, tenants);
    }

    /** How signed URLs are made: key (null = one kept in the database), public base URL and lifetimes. */
    public record UrlSettings(String signingKey, String publicUrl, Duration uploadTtl, Duration downloadTtl) {}

    static {
        // The caller is resolved from the API key, not a request parameter.
        SpringDocUtils.getConfig().addRequestWrapperToIgnore(Caller.class);
    }

    @Bean
    ImportUrls importUrls(Database database, ImportStore imports, Clock clock, UrlSettings settings) {
        String key = settings.signingKey() != null ? settings.signingKey() : database.inTransaction(h ->
                imports.setting(h, "url_signing_key", () -> KeySecrets.generate()));
        return new ImportUrls(new UrlSigner(key.getBytes(StandardCharsets.UTF_8), clock), settings.publicUrl(),
                settings.uploadTtl(), settings.downloadTtl());
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(authentication).addPathPatterns("/v1/**");
    }

    @Override
    public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
        resolvers.add(authentication);
    }
}
