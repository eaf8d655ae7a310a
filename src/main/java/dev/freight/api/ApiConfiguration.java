package dev.freight.api;

import dev.freight.store.Database;
import dev.freight.store.TenantStore;
import dev.freight.store.ImportStore;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import dev.freight.store.KeySecrets;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.math.BigDecimal;
import java.util.List;
import org.springdoc.core.utils.SpringDocUtils;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.boot.tomcat.ConfigurableTomcatWebServerFactory;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.http.converter.HttpMessageConverters;
import org.springframework.web.accept.HeaderContentNegotiationStrategy;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.config.annotation.ContentNegotiationConfigurer;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.handler.MappedInterceptor;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.type.LogicalType;

/** Puts API-key authentication in front of {@code /v1/**}. */
@Configuration(proxyBeanMethods = false)
public class ApiConfiguration implements WebMvcConfigurer {

    private final ApiKeyAuthentication authentication;
    /** Looked up when the converters are made: it needs the JSON mapper, which needs this class's customizers. */
    private final ObjectProvider<EmptyBodies> emptyBodies;

    ApiConfiguration(Database database, TenantStore tenants, ObjectProvider<EmptyBodies> emptyBodies) {
        this.authentication = new ApiKeyAuthentication(database, tenants);
        this.emptyBodies = emptyBodies;
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

    /** Errors Tomcat answers itself get Freight's JSON body too (after Spring Boot's own valve settings). */
    @Bean
    WebServerFactoryCustomizer<ConfigurableTomcatWebServerFactory> jsonContainerErrors() {
        return new WebServerFactoryCustomizer<>() {
            @Override
            public void customize(ConfigurableTomcatWebServerFactory factory) {
                factory.addContextCustomizers(JsonErrorReportValve.INSTALL);
            }
        };
    }

    /** The actuator's bodiless error answers get Freight's JSON error body too. */
    @Bean
    FilterRegistrationBean<ActuatorErrorBodies> actuatorErrorBodies() {
        FilterRegistrationBean<ActuatorErrorBodies> registration = new FilterRegistrationBean<>(
                new ActuatorErrorBodies());
        registration.addUrlPatterns("/actuator/*");
        return registration;
    }

    /** A key repeated in one object of a request body is refused (422 malformed_body), never read as the last one. */
    @Bean
    JsonMapperBuilderCustomizer repeatedKeysRefused() {
        return builder -> builder.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION);
    }

    /**
     * A member of a request body Spring binds is read from its own JSON type only: a number or a boolean is no text,
     * text or a number no boolean, each a 422 naming the member and the type it takes ({@link MemberTypes}). Before,
     * {@code "name": 5} stored the name "5". The records of an import are not read by this mapper ({@link Json}): their
     * values are coerced by their fields' types.
     */
    @Bean
    JsonMapperBuilderCustomizer strictMembers() {
        return builder -> builder
                .withCoercionConfig(LogicalType.Textual, text -> text.setCoercion(CoercionInputShape.Integer,
                        CoercionAction.Fail).setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                .withCoercionConfig(LogicalType.Boolean, bool -> bool.setCoercion(CoercionInputShape.String,
                        CoercionAction.Fail).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail));
    }

    /**
     * A number of a record is answered in plain decimal digits with its scale ({@code 0.00000012}, {@code 0.0000000}),
     * as exports write it, never as {@code 1.2E-7} or {@code 0E-7}, whatever its scale.
     */
    @Bean
    JsonMapperBuilderCustomizer plainDecimals() {
        return builder -> builder.addModule(new SimpleModule("plain-decimals").addSerializer(BigDecimal.class,
                new PlainDecimals()));
    }

    /** The OpenAPI document names snake_case records' properties as the wire does. */
    @Bean
    NamingStrategySchemas namingStrategySchemas() {
        return new NamingStrategySchemas();
    }

    /** The OpenAPI document lists as required every member an answer always has. */
    @Bean
    AnswerSchemas answerSchemas(NamingStrategySchemas records) {
        return new AnswerSchemas(records);
    }

    /** Documents the API-key bearer scheme for every route. */
    @Bean
    OpenAPI freightOpenApi() {
        return new OpenAPI()
                .info(new Info().title("Freight").description("Bulk import and export of business records"))
                .components(new Components().addSecuritySchemes("apiKey", new SecurityScheme()
                        .type(SecurityScheme.Type.HTTP).scheme("bearer")
                        .description("Authorization: Bearer <api-key>")))
                .addSecurityItem(new SecurityRequirement().addList("apiKey"));
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new QueryStrings());
        registry.addInterceptor(AcceptedTypes.ofRoutes());
        registry.addInterceptor(authentication).addPathPatterns("/v1/**");
    }

    /**
     * {@link AcceptedTypes} for the actuator's routes (its health check), which its own handler mapping serves, without
     * the interceptors above: Spring adds a {@link MappedInterceptor} bean to every handler mapping, and this one
     * matches the actuator's paths only, which no other mapping serves.
     */
    @Bean
    MappedInterceptor actuatorAcceptedTypes() {
        return new MappedInterceptor(new String[] {"/actuator/**"}, AcceptedTypes.ofActuator());
    }

    /**
     * {@link QueryStrings} for the actuator's routes, as {@link #actuatorAcceptedTypes}: before, its health check took a
     * query whose escapes do not spell UTF-8 or hold a NUL, which every other route refuses.
     */
    @Bean
    MappedInterceptor actuatorQueryStrings() {
        return new MappedInterceptor(new String[] {"/actuator/**"}, new QueryStrings());
    }

    /**
     * JSON is always acceptable, after what the {@code Accept} header lists: an answer that has only JSON is written
     * as JSON when a client asked for something else (e.g. {@code text/csv}), instead of failing after its write was
     * done. A route that produces another type still gets it when asked. A header that refuses JSON with q=0 and
     * accepts nothing else Freight has is answered 406 before the handler runs ({@link AcceptedTypes}).
     */
    @Override
    public void configureContentNegotiation(ContentNegotiationConfigurer configurer) {
        HeaderContentNegotiationStrategy header = new HeaderContentNegotiationStrategy();
        configurer.strategies(List.of(request -> {
            List<MediaType> types = new ArrayList<>(header.resolveMediaTypes(request));
            types.add(MediaType.APPLICATION_JSON);
            return types;
        }));
    }

    /**
     * {@link EmptyBodies} reads the types no other converter reads (last): an empty {@code text/plain} body is then
     * {@code {}}, not 415.
     */
    @Override
    public void configureMessageConverters(HttpMessageConverters.ServerBuilder builder) {
        builder.configureMessageConvertersList(converters -> converters.add(emptyBodies.getObject().reader()));
    }

    @Override
    public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
        resolvers.add(authentication);
    }
}
