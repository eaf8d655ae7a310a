package dev.freight.store;

import dev.freight.schema.Value;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The values of a streamed record: one array slot per field asked for (null when absent), keyed by the fields' slugs,
 * which all the records of one stream share. Cheaper to build and to read than a hash map for a handful of fields.
 * Unmodifiable; iterates in field order.
 */
final class FieldValues extends AbstractMap<String, Value> {

    private final String[] slugs;
    private final Value[] values;
    private final int size;

    FieldValues(String[] slugs, Value[] values) {
        this.slugs = slugs;
        this.values = values;
        int n = 0;
        for (Value v : values) {
            if (v != null) {
                n++;
            }
        }
        this.size = n;
    }

    @Override
    public Value get(Object key) {
        for (int i = 0; i < slugs.length; i++) {
            if (slugs[i] == key) {
                return values[i];
            }
        }
        for (int i = 0; i < slugs.length; i++) {
            if (slugs[i].equals(key)) {
                return values[i];
            }
        }
        return null;
    }

    @Override
    public boolean containsKey(Object key) {
        return get(key) != null;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Set<Entry<String, Value>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<String, Value>> iterator() {
                return new Iterator<>() {
                    private int next = advance(0);

                    private int advance(int from) {
                        int i = from;
                        while (i < values.length && values[i] == null) {
                            i++;
                        }
                        return i;
                    }

                    @Override
                    public boolean hasNext() {
                        return next < values.length;
                    }

                    @Override
                    public Entry<String, Value> next() {
                        if (!hasNext()) {
                            throw new NoSuchElementException();
                        }
                        Entry<String, Value> e = new SimpleImmutableEntry<>(slugs[next], values[next]);
                        next = advance(next + 1);
                        return e;
                    }
                };
            }

            @Override
            public int size() {
                return size;
            }
        };
    }
}
