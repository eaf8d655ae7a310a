package dev.freight.app;

/** A setting is missing or wrong. The message is one sentence naming the setting; start-up stops. */
public final class ConfigException extends RuntimeException {

    public ConfigException(String message) {
        super(message);
    }
}
