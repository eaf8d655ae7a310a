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

    @Test
    void aParameterHoldingANulCharacterIsNamedByItsDecodedName() {
        assertThat(QueryStrings.nulParameter("limit=10&external_id=a%00b")).isEqualTo("external_id");
        assertThat(QueryStrings.nulParameter("x%00y=1")).isEqualTo("x\u0000y");
        assertThat(QueryStrings.nulParameter("na%6De=%00")).isEqualTo("name");
        assertThat(QueryStrings.nulParameter("name=100%2500&x=%01")).isNull();
    }
}
