/**
 * Start-up and wiring: configuration parsed once into {@link dev.freight.app.FreightConfig}, the Spring beans, the
 * first-start bootstrap and the command-line sub-commands of the jar.
 */
package dev.freight.app;
