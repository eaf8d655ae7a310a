package dev.freight.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KeySecretsTest {

    @Test
    void aGeneratedKeyShowsItsFirstTwelveCharactersAndAnyOtherKeyOnlyFour() {
        String generated = KeySecrets.generate();

        assertThat(generated).hasSize(53);
        assertThat(KeySecrets.prefixOf(generated)).isEqualTo(generated.substring(0, 12)).startsWith("frk_");
        // A key given as FREIGHT_BOOTSTRAP_API_KEY may have only 20 characters: 12 shown would leave 8 secret.
        assertThat(KeySecrets.prefixOf("preset-bootstrap-key")).isEqualTo("pres");
        assertThat(KeySecrets.prefixOf("frk_abcdefgh_short-but-not-generated")).isEqualTo("frk_");
        assertThat(KeySecrets.prefixOf("abc")).isEqualTo("abc");
    }
}
