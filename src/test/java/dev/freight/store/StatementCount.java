package dev.freight.store;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the statements run on the database through a handle, at the JDBC level: each execution of a statement, and
 * each run of a batch (one a row added to it); and keeps each prepared statement run, with the parameters it was run
 * with, so that a test can have the database plan it ({@link #run}). The handle it gives works on the real
 * connection; only the count and the list are added.
 */
public final class StatementCount {

    /** A prepared statement as it was run: its SQL and its parameters in order. */
    public record Run(String sql, List<Object> params) {}

    private final AtomicInteger count = new AtomicInteger();
    private final List<Run> runs = new CopyOnWriteArrayList<>();

    /** A handle on {@code h}'s connection whose statements are counted. */
    public Handle counting(Handle h) {
        return new Handle(proxy(Connection.class, h.connection(), null), h.dialect());
    }

    /** The statements run since the last call. */
    public int taken() {
        return count.getAndSet(0);
    }

    /** The prepared statements run through the handle whose SQL contains {@code text}, in the order run. */
    public List<Run> run(String text) {
        return runs.stream().filter(r -> r.sql().contains(text)).toList();
    }

    private <T> T proxy(Class<T> type, T real, String sql) {
        TreeMap<Integer, Object> params = new TreeMap<>();
        return type.cast(Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> {
                    Object result = invoke(method, real, args);
                    String name = method.getName();
                    if (name.equals("prepareStatement")) {
                        return proxy(PreparedStatement.class, (PreparedStatement) result, (String) args[0]);
                    }
                    if (name.equals("createStatement")) {
                        return proxy(Statement.class, (Statement) result, null);
                    }
                    if (sql != null && name.startsWith("set") && args != null && args.length >= 2
                            && args[0] instanceof Integer index) {
                        params.put(index, args[1]);
                    }
                    if (name.startsWith("execute") && !name.equals("executeBatch") || name.equals("addBatch")) {
                        count.incrementAndGet();
                        if (sql != null && args == null) {
                            runs.add(new Run(sql, new ArrayList<>(params.values())));
                        }
                    }
                    return result;
                }));
    }

    private static Object invoke(Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
