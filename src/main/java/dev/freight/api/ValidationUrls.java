package dev.freight.api;

import dev.freight.engine.ValidationFiles;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * The download URLs of a validation's errors files, signed (the imports' signing key) until the files expire. The
 * path names the organization and the validation, and a download finds the files by both. Thread-safe.
 */
@Component
final class ValidationUrls {

    private final UrlSigner signer;
    private final String publicUrl;

    ValidationUrls(ImportUrls importUrls, ApiConfiguration.UrlSettings settings) {
        this.signer = importUrls.signer().freshFrom("a new validation (POST /v1/modules/{module}/import/validate)");
        this.publicUrl = settings.publicUrl();
    }

    UrlSigner signer() {
        return signer;
    }

    static String path(String organizationId, String validationId, ValidationFiles.Format format) {
        return "/files/validations/" + organizationId + "/" + validationId + "/" + format.fileName();
    }

    /** The signed URL of one of the files, valid until they expire. */
    String url(String organizationId, ValidationFiles.Stored files, ValidationFiles.Format format) {
        return base() + signer.signUntil("GET", path(organizationId, files.id(), format), files.expiresAt());
    }

    private String base() {
        return publicUrl != null ? publicUrl
                : ServletUriComponentsBuilder.fromCurrentContextPath().build().toUriString();
    }
}
