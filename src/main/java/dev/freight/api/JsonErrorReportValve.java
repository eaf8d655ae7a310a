package dev.freight.api;

import java.io.IOException;
import java.io.Writer;
import org.apache.catalina.Container;
import org.apache.catalina.Valve;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.http11.AbstractHttp11Protocol;
import org.apache.tomcat.util.res.StringManager;
import org.springframework.boot.tomcat.TomcatContextCustomizer;

/**
 * Answers the errors Tomcat raises before a request reaches Freight (a path whose %XX escapes are not UTF-8, an
 * encoded '/', a request line it cannot parse, a request line and headers longer than it reads) with Freight's JSON
 * error body instead of Tomcat's HTML page: on the seed-003 face's paths in its envelope ({@link Envelope}), as
 * {@link ErrorMapper} decides it; the path of a request line longer than Tomcat reads is unknown, so that one is always
 * the plain body.
 * Errors of requests Freight handles never get here: {@link ErrorMapper} has written their body already.
 */
final class JsonErrorReportValve extends ErrorReportValve {

    /** Why Tomcat answers 400 before routing, when its request line and headers fit. */
    private static final String UNREADABLE = "The request could not be read: its path or query has a %XX escape that"
            + " is not UTF-8, an encoded '/' or a character a URL cannot hold";

    /** Tomcat's message (in its own locale) for a request line and headers longer than it reads. */
    private static final String TOO_LARGE = StringManager.getManager("org.apache.coyote.http11")
            .getString("iib.requestheadertoolarge.error");

    /** Replaces the host's HTML error page valve with this one. */
    static final TomcatContextCustomizer INSTALL = context -> {
        Container parent = context.getParent();
        if (!(parent instanceof StandardHost host)) {
            return;
        }
        for (Valve valve : host.getPipeline().getValves()) {
            if (valve instanceof ErrorReportValve && !(valve instanceof JsonErrorReportValve)) {
                host.getPipeline().removeValve(valve);
            }
        }
        host.setErrorReportValveClass(JsonErrorReportValve.class.getName());
        host.getPipeline().addValve(new JsonErrorReportValve());
    };

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        // On the seed-003 face's paths, in its envelope as every other error there: before, always the plain body.
        String body = ErrorMapper.json(status == 400 ? new ApiException(400, "bad_request", unreadable(request,
                throwable)) : ErrorMapper.statusError(status), request.getRequestURI());
        try {
            response.setContentType("application/json");
            response.setCharacterEncoding("UTF-8");
            Writer writer = response.getReporter();
            if (writer != null) {
                writer.write(body);
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // The client went away or the response cannot take a body: the status line is all it gets.
        }
    }

    /** Why Tomcat could not read the request: too long (its own exception says so), else a URL it cannot decode. */
    private static String unreadable(Request request, Throwable throwable) {
        if (throwable instanceof IllegalArgumentException && TOO_LARGE.equals(throwable.getMessage())) {
            String limit = request.getConnector() != null
                    && request.getConnector().getProtocolHandler() instanceof AbstractHttp11Protocol<?> http
                    ? " (%,d bytes)".formatted(http.getMaxHttpRequestHeaderSize()) : "";
            return "The request could not be read: its request line and headers are longer than the server reads"
                    + limit;
        }
        return UNREADABLE;
    }
}
