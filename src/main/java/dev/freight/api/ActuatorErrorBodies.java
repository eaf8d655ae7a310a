package dev.freight.api;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Gives the actuator's error answers that have no body (a 404 for a health group or component, none of which is
 * exposed) the JSON error body of every other route: {@code No route for GET /actuator/health/liveness}. Answers with
 * a body, and every success, pass through untouched.
 */
final class ActuatorErrorBodies extends OncePerRequestFilter {

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        BodyWatch watched = new BodyWatch(response);
        chain.doFilter(request, watched);
        int status = response.getStatus();
        if (watched.bodyTouched || status < 400 || response.isCommitted()) {
            if (watched.flushHeld) {
                response.flushBuffer();
            }
            return;
        }
        ApiException e = status == 404 ? ErrorMapper.noRoute(request) : ErrorMapper.statusError(status);
        byte[] body = ErrorMapper.json(e).getBytes(StandardCharsets.UTF_8);
        response.resetBuffer();
        response.setContentType("application/json");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
        response.flushBuffer();
    }

    /** Notes whether the handler wrote (or asked to write) a body, and holds back a flush of an error's headers. */
    private static final class BodyWatch extends HttpServletResponseWrapper {
        boolean bodyTouched;
        boolean flushHeld;

        BodyWatch(HttpServletResponse response) {
            super(response);
        }

        @Override
        public ServletOutputStream getOutputStream() throws IOException {
            bodyTouched = true;
            return super.getOutputStream();
        }

        @Override
        public PrintWriter getWriter() throws IOException {
            bodyTouched = true;
            return super.getWriter();
        }

        @Override
        public void flushBuffer() throws IOException {
            if (!bodyTouched && getStatus() >= 400) {
                flushHeld = true;
                return;
            }
            super.flushBuffer();
        }
    }
}
