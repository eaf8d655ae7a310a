package dev.freight.store;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the statements run on the database through a handle, at the JDBC level: each execution of a statement, and
 * each run of a batch (one a row added to it). The handle it gives works on the real connection; only the count is
 * added.
 */
public final class StatementCount {

    private final AtomicInteger count = new AtomicInteger();

    /** A handle on {@code h}'s connection whose statements are counted. */
    public Handle counting(Handle h) {
        return new Handle(proxy(Connection.class, h.connection()), h.dialect());
    }

    /** The statements run since the last call. */
    public int taken() {
        return count.getAndSet(0);
    }

    private <T> T proxy(Class<T> type, T real) {
        return type.cast(Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> {
                    Object result = invoke(method, real, args);
                    String name = method.getName();
                    if (name.equals("prepareStatement")) {
                        return proxy(PreparedStatement.class, (PreparedStatement) result);
                    }
                    if (name.equals("createStatement")) {
                        return proxy(Statement.class, (Statement) result);
                    }
                    if (name.startsWith("execute") && !name.equals("executeBatch") || name.equals("addBatch")) {
                        count.incrementAndGet();
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
