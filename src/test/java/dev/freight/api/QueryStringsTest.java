package dev.freight.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class QueryStringsTest {

    @Test
    void aQueryStringDecodesWhenEveryEscapeIsTwoHexDigitsAndTheBytesAreUtf8() {
        assertThat(QueryStrings.decodes("limit=10&cursor=dm5kcl8w")).isTrue();
        assertThat(QueryStrings.decodes("name=M%C3%BCller&x=%2F%20")).isTrue();
        assertThat(QueryStrings.decodes("emoji=%F0%9F%98%80&raw=Müller")).isTrue();
        assertThat(QueryStrings.decodes("x=%zz")).isFalse();
        assertThat(QueryStrings.decodes("x=%4")).isFalse();
        assertThat(QueryStrings.decodes("x=%")).isFalse();
        assertThat(QueryStrings.decodes("x=%C3%28")).isFalse();
        assertThat(QueryStrings.decodes("x=%FF")).isFalse();
    }
}
