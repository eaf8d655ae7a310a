import java.io.IOException;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Load benchmark for the JSON Import API: posts N distinct vendor records in fixed-size batches from C concurrent
 * clients to {@code POST /v1/import/<report>} and prints records/s and batch latency percentiles.
 *
 * <p>Single file, JDK classes only: {@code java bench/LoadBench.java --url http://127.0.0.1:8080 --key KEY}. Every
 * answer must be 200 with {@code failed_count} 0, otherwise it aborts with exit code 1. Bounded: each request has a
 * timeout and the whole run a deadline ({@code --deadline}, seconds).
 *
 * <p>Other modes: {@code --create-report} first creates the report (201, or 409 if it already exists);
 * {@code --csv FILE} writes the same records as CSV {@code external_id,data} (data = the stored JSON shape) for a
 * raw database baseline and exits without posting.
 */
public final class LoadBench {

    /** The report's mapping: field slug → incoming key. Ten mapped fields, all varied by {@link #record}. */
    static final Map<String, String> MAPPING = mapping();

    private static Map<String, String> mapping() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("name", "Name");
        m.put("external_id", "External Id");
        m.put("website", "Website");
        m.put("status", "Status");
        m.put("hq_location", "Hq Location");
        m.put("raw_irq_score", "Raw Irq Score");
        m.put("business_unit", "Business Unit");
        m.put("enterprise", "Enterprise");
        m.put("vendor_category", "Vendor Category");
        m.put("next_assessment_date", "Next Assessment Date");
        return m;
    }

    private static final String[] STATUSES = {"active", "onboarding", "inactive", "offboarding"};
    private static final String[] CITIES = {"San Francisco, CA", "New York, NY", "Austin, TX", "Seattle, WA",
        "Boston, MA", "Chicago, IL", "Denver, CO", "London, UK", "Berlin, DE", "Toronto, ON", "Dublin, IE",
        "Singapore, SG", "Sydney, AU"};
    private static final String[] UNITS = {"Finance", "Engineering", "Legal", "Marketing", "Sales", "Operations",
        "Security", "People", "Procurement"};
    private static final String[] CATEGORIES = {"SaaS", "Consulting", "Infrastructure", "Payments", "Analytics",
        "Logistics", "Hardware", "Staffing", "Telecom", "Data Provider", "Cloud"};
    private static final String[] WORDS = {"Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark",
        "Wayne", "Tyrell", "Cyberdyne", "Soylent", "Wonka", "Oscorp", "Aperture", "Massive", "Dynamic"};
    private static final String[] SUFFIXES = {"Inc", "LLC", "Ltd", "GmbH", "Corp", "Group", "Labs", "Partners"};
    private static final LocalDate DAY_ZERO = LocalDate.of(2026, 1, 1);

    private record Options(String url, String key, int records, int batch, int clients, String report,
            boolean createReport, Path csv, String idPrefix, long deadlineSeconds, long timeoutSeconds, int warmup,
            Path latencies) {}

    public static void main(String[] args) throws Exception {
        Options o = parse(args);
        if (o.csv() != null) {
            writeCsv(o);
            return;
        }
        if (o.key() == null || o.key().isBlank()) {
            fail("no API key: pass --key KEY or set FREIGHT_BENCH_KEY");
        }
        HttpClient setup = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        if (o.createReport()) {
            createReport(setup, o);
        }
        run(o);
    }

    // ---------------------------------------------------------------------------------------------- the records

    /** Record number {@code i}, as the incoming JSON object (mapped keys only), deterministic. */
    static Map<String, Object> record(String idPrefix, int i) {
        Map<String, Object> r = new LinkedHashMap<>();
        String word = WORDS[i % WORDS.length];
        r.put("Name", word + " " + WORDS[(i / WORDS.length) % WORDS.length] + " " + SUFFIXES[i % SUFFIXES.length]
                + " #" + i);
        r.put("External Id", externalId(idPrefix, i));
        r.put("Website", "https://" + word.toLowerCase(Locale.ROOT) + "-" + i + ".example.com/"
                + (i % 7 == 0 ? "about?ref=" + (i % 97) : "home"));
        r.put("Status", STATUSES[i % STATUSES.length]);
        r.put("Hq Location", CITIES[(i * 7) % CITIES.length]);
        r.put("Raw Irq Score", (i * 37 % 10_000) / 100.0); // a number with up to two decimals, 0.00–99.99
        r.put("Business Unit", UNITS[(i / 3) % UNITS.length]);
        r.put("Enterprise", i % 3 == 0);
        r.put("Vendor Category", CATEGORIES[(i * 5) % CATEGORIES.length]);
        r.put("Next Assessment Date", DAY_ZERO.plusDays(i % 730).toString());
        return r;
    }

    static String externalId(String idPrefix, int i) {
        return idPrefix + String.format(Locale.ROOT, "%07d", i);
    }

    /** The batch {@code [from, to)} as a request body. */
    static byte[] body(String idPrefix, int from, int to) {
        StringBuilder b = new StringBuilder((to - from) * 400 + 16);
        b.append("{\"data\":[");
        for (int i = from; i < to; i++) {
            if (i > from) {
                b.append(',');
            }
            json(b, record(idPrefix, i));
        }
        b.append("]}");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void json(StringBuilder b, Object v) {
        switch (v) {
            case null -> b.append("null");
            case String s -> quote(b, s);
            case Number n -> b.append(n);
            case Boolean x -> b.append(x);
            case Map<?, ?> m -> {
                b.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!first) {
                        b.append(',');
                    }
                    first = false;
                    quote(b, String.valueOf(e.getKey()));
                    b.append(':');
                    json(b, e.getValue());
                }
                b.append('}');
            }
            default -> throw new IllegalArgumentException("cannot write " + v.getClass());
        }
    }

    private static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    /** The same records as CSV {@code external_id,data}; data is the stored shape (field slug → value). */
    private static void writeCsv(Options o) throws IOException {
        try (Writer w = Files.newBufferedWriter(o.csv(), StandardCharsets.UTF_8)) {
            StringBuilder line = new StringBuilder(512);
            for (int i = 0; i < o.records(); i++) {
                Map<String, Object> incoming = record(o.idPrefix(), i);
                Map<String, Object> stored = new LinkedHashMap<>();
                MAPPING.forEach((slug, key) -> {
                    if (!slug.equals("external_id")) {
                        stored.put(slug, incoming.get(key));
                    }
                });
                line.setLength(0);
                json(line, stored);
                w.write(csvField(externalId(o.idPrefix(), i)));
                w.write(',');
                w.write(csvField(line.toString()));
                w.write('\n');
            }
        }
        System.out.printf(Locale.ROOT, "wrote %,d records to %s%n", o.records(), o.csv());
    }

    private static String csvField(String s) {
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }

    // ---------------------------------------------------------------------------------------------- the run

    private static void createReport(HttpClient http, Options o) throws Exception {
        StringBuilder b = new StringBuilder();
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("slug", o.report());
        report.put("report_name", "Vendor Bench");
        report.put("base_object", "vendor");
        report.put("mapping", MAPPING);
        json(b, report);
        HttpRequest request = HttpRequest.newBuilder(URI.create(o.url() + "/v1/import-reports"))
                .timeout(Duration.ofSeconds(o.timeoutSeconds()))
                .header("Authorization", "Bearer " + o.key())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(b.toString()))
                .build();
        HttpResponse<String> answer = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() == 201) {
            System.out.println("created import report " + o.report());
        } else if (answer.statusCode() == 409) {
            System.out.println("import report " + o.report() + " already exists (409); using it");
        } else {
            fail("creating the import report answered " + answer.statusCode() + ": " + clip(answer.body()));
        }
    }

    private static final Pattern COUNT = Pattern.compile("\"(received|created|updated|failed)_count\"\\s*:\\s*(\\d+)");

    /** What one phase (warm-up or measured run) saw. */
    private record Phase(int records, int batches, double wallSeconds, long[] startNanos, long[] latencyNanos,
            long created, long updated, double machineBusy, double selfBusy) {

        double rate() {
            return records / wallSeconds;
        }

        long[] sortedLatencies() {
            long[] sorted = latencyNanos.clone();
            Arrays.sort(sorted);
            return sorted;
        }
    }

    private static void run(Options o) throws Exception {
        if (o.warmup() > 0) {
            // Unmeasured: lets the server's JIT compile the hot path. Its own external ids, so the measured run
            // still creates every one of its records.
            System.out.printf(Locale.ROOT, "warm-up: %,d records with external_id prefix warmup-%s%n", o.warmup(),
                    o.idPrefix());
            Phase w = post(o, "warmup-" + o.idPrefix(), o.warmup());
            long[] sorted = w.sortedLatencies();
            System.out.printf(Locale.ROOT, "warm-up done: %.3f s, %,.0f records/s, p50 %.1f ms, p99 %.1f ms%n",
                    w.wallSeconds(), w.rate(), ms(percentile(sorted, 50)), ms(percentile(sorted, 99)));
            System.out.printf(Locale.ROOT, "WARMUP records=%d wall_s=%.3f records_per_s=%.0f p50_ms=%.1f p99_ms=%.1f"
                    + " max_ms=%.1f%n", w.records(), w.wallSeconds(), w.rate(), ms(percentile(sorted, 50)),
                    ms(percentile(sorted, 99)), ms(sorted[sorted.length - 1]));
        }
        double idleBusy = machineBusyOver(Duration.ofSeconds(1));
        Phase p = post(o, o.idPrefix(), o.records());
        if (o.latencies() != null) {
            StringBuilder csv = new StringBuilder("batch,start_ms,latency_ms\n");
            long t0 = Arrays.stream(p.startNanos()).min().orElse(0);
            for (int k = 0; k < p.batches(); k++) {
                csv.append(String.format(Locale.ROOT, "%d,%.1f,%.1f%n", k, ms(p.startNanos()[k] - t0),
                        ms(p.latencyNanos()[k])));
            }
            Files.writeString(o.latencies(), csv);
        }
        long[] sorted = p.sortedLatencies();
        System.out.println();
        System.out.printf(Locale.ROOT, "records          %,d (%,d batches of %,d, %d clients)%n", p.records(),
                p.batches(), o.batch(), o.clients());
        System.out.printf(Locale.ROOT, "wall time        %.3f s%n", p.wallSeconds());
        System.out.printf(Locale.ROOT, "throughput       %,.0f records/s%n", p.rate());
        System.out.printf(Locale.ROOT, "batch latency    p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                ms(percentile(sorted, 50)), ms(percentile(sorted, 99)), ms(sorted[sorted.length - 1]));
        System.out.printf(Locale.ROOT, "outcome          %,d created, %,d updated, 0 failed%n", p.created(),
                p.updated());
        System.out.printf(Locale.ROOT, "machine CPU      %.0f%% busy of %d CPUs during the run (this load generator"
                + " %.0f%%); %.0f%% busy in the second before it%n", p.machineBusy(),
                Runtime.getRuntime().availableProcessors(), p.selfBusy(), idleBusy);
        // One machine-readable line for scripts.
        System.out.printf(Locale.ROOT,
                "RESULT records=%d wall_s=%.3f records_per_s=%.0f p50_ms=%.1f p99_ms=%.1f max_ms=%.1f created=%d"
                        + " updated=%d cpu_busy_pct=%.0f loadgen_cpu_pct=%.0f cpu_busy_before_pct=%.0f%n",
                p.records(), p.wallSeconds(), p.rate(), ms(percentile(sorted, 50)), ms(percentile(sorted, 99)),
                ms(sorted[sorted.length - 1]), p.created(), p.updated(), p.machineBusy(), p.selfBusy(), idleBusy);
    }

    /** Posts records {@code [0, records)} under {@code idPrefix}; exits with status 1 on the first bad answer. */
    private static Phase post(Options o, String idPrefix, int records) throws InterruptedException {
        int batches = (records + o.batch() - 1) / o.batch();
        System.out.printf(Locale.ROOT, "preparing %,d records in %,d batches of %,d …%n", records, batches,
                o.batch());
        // Bodies are made before the clock starts, so the run measures the service, not the generator.
        byte[][] bodies = new byte[batches][];
        long bytes = 0;
        for (int k = 0; k < batches; k++) {
            bodies[k] = body(idPrefix, k * o.batch(), Math.min(records, (k + 1) * o.batch()));
            bytes += bodies[k].length;
        }
        System.out.printf(Locale.ROOT, "posting %,d bytes (%.1f MB) to %s/v1/import/%s with %d clients%n", bytes,
                bytes / 1e6, o.url(), o.report(), o.clients());

        URI uri = URI.create(o.url() + "/v1/import/" + o.report());
        long[] latencyNanos = new long[batches];
        long[] startNanos = new long[batches];
        AtomicInteger next = new AtomicInteger();
        AtomicBoolean aborted = new AtomicBoolean();
        AtomicLong created = new AtomicLong();
        AtomicLong updated = new AtomicLong();
        AtomicLong received = new AtomicLong();
        List<String> problems = java.util.Collections.synchronizedList(new ArrayList<>());
        long deadline = System.nanoTime() + Duration.ofSeconds(o.deadlineSeconds()).toNanos();

        List<Thread> threads = new ArrayList<>();
        List<HttpClient> clients = new ArrayList<>();
        long[] cpu0 = procStat();
        long self0 = selfCpuNanos();
        long start = System.nanoTime();
        for (int c = 0; c < o.clients(); c++) {
            // One HTTP/1.1 client (so one connection) per load client thread.
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10)).build();
            clients.add(http);
            Thread t = Thread.ofPlatform().name("client-" + c).start(() -> {
                int k;
                while (!aborted.get() && (k = next.getAndIncrement()) < batches) {
                    if (System.nanoTime() > deadline) {
                        problems.add("deadline of " + o.deadlineSeconds() + " s passed");
                        aborted.set(true);
                        return;
                    }
                    HttpRequest request = HttpRequest.newBuilder(uri)
                            .timeout(Duration.ofSeconds(o.timeoutSeconds()))
                            .header("Authorization", "Bearer " + o.key())
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(bodies[k]))
                            .build();
                    long t0 = System.nanoTime();
                    startNanos[k] = t0;
                    HttpResponse<String> answer;
                    try {
                        answer = http.send(request, HttpResponse.BodyHandlers.ofString());
                    } catch (IOException e) {
                        problems.add("batch " + k + " after " + ms(System.nanoTime() - t0) + " ms: " + describe(e));
                        aborted.set(true);
                        return;
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        aborted.set(true);
                        return;
                    }
                    latencyNanos[k] = System.nanoTime() - t0;
                    Map<String, Long> counts = counts(answer.body());
                    int expected = Math.min(records, (k + 1) * o.batch()) - k * o.batch();
                    if (answer.statusCode() != 200 || counts.getOrDefault("failed", -1L) != 0
                            || counts.getOrDefault("received", -1L) != expected) {
                        problems.add("batch " + k + " answered " + answer.statusCode() + " " + counts + ": "
                                + clip(answer.body()));
                        aborted.set(true);
                        return;
                    }
                    received.addAndGet(counts.get("received"));
                    created.addAndGet(counts.getOrDefault("created", 0L));
                    updated.addAndGet(counts.getOrDefault("updated", 0L));
                }
            });
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        long wallNanos = System.nanoTime() - start;
        long[] cpu1 = procStat();
        long self1 = selfCpuNanos();
        int cpus = Runtime.getRuntime().availableProcessors();
        double machineBusy = busy(cpu0, cpu1);
        double selfBusy = self0 < 0 || self1 < 0 ? Double.NaN : 100.0 * (self1 - self0) / ((double) wallNanos * cpus);
        clients.forEach(HttpClient::close);
        if (aborted.get() || received.get() != records) {
            System.err.println();
            System.err.println("LOAD BENCH FAILED after " + received.get() + " of " + records + " records:");
            problems.stream().limit(5).forEach(p -> System.err.println("  " + p));
            System.exit(1);
        }
        return new Phase(records, batches, wallNanos / 1e9, startNanos, latencyNanos, created.get(), updated.get(),
                machineBusy, selfBusy);
    }

    // ---------------------------------------------------------------------------------------------- CPU use

    /** {total, idle} jiffies of all CPUs from /proc/stat, or null off Linux. */
    private static long[] procStat() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < Math.min(f.length, 9); i++) { // user nice system idle iowait irq softirq steal
                total += Long.parseLong(f[i]);
            }
            return new long[] {total, Long.parseLong(f[4]) + Long.parseLong(f[5])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Percent of all CPUs busy between two {@link #procStat} samples; NaN when unknown. */
    private static double busy(long[] a, long[] b) {
        if (a == null || b == null || b[0] == a[0]) {
            return Double.NaN;
        }
        return 100.0 * (1 - (double) (b[1] - a[1]) / (b[0] - a[0]));
    }

    private static double machineBusyOver(Duration d) throws InterruptedException {
        long[] a = procStat();
        Thread.sleep(d);
        return busy(a, procStat());
    }

    /** CPU time of this JVM so far, or -1. */
    private static long selfCpuNanos() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    private static Map<String, Long> counts(String body) {
        Map<String, Long> counts = new LinkedHashMap<>();
        Matcher m = COUNT.matcher(body == null ? "" : body);
        while (m.find() && counts.size() < 4) {
            counts.putIfAbsent(m.group(1), Long.parseLong(m.group(2)));
        }
        return counts;
    }

    /** Nearest-rank percentile of sorted values. */
    static long percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    /** The exception with its causes, e.g. "ConnectException ← ClosedChannelException: …". */
    private static String describe(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null && b.length() < 1000; t = t.getCause()) {
            b.append(b.isEmpty() ? "" : " ← ").append(t.getClass().getName());
            if (t.getMessage() != null) {
                b.append(": ").append(t.getMessage());
            }
        }
        return b.toString();
    }

    private static String clip(String s) {
        if (s == null) {
            return "(no body)";
        }
        return s.length() <= 1500 ? s : s.substring(0, 1500) + " …(" + s.length() + " chars)";
    }

    // ---------------------------------------------------------------------------------------------- options

    private static Options parse(String[] args) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("url", "http://127.0.0.1:8080");
        v.put("key", System.getenv("FREIGHT_BENCH_KEY"));
        v.put("records", "200000");
        v.put("batch", "1000");
        v.put("clients", "4");
        v.put("report", "vendor-bench");
        v.put("id-prefix", "bench-v-");
        v.put("deadline", "900");
        v.put("timeout", "120");
        v.put("warmup", "0");
        boolean createReport = false;
        String csv = null;
        String latencies = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                System.out.println("""
                        usage: java bench/LoadBench.java [options]
                          --url URL          service base URL (default http://127.0.0.1:8080)
                          --key KEY          service-account API key with the import scope (or FREIGHT_BENCH_KEY)
                          --records N        records to post (default 200000)
                          --batch N          records per request (default 1000)
                          --clients N        concurrent client threads (default 4)
                          --report SLUG      import report slug (default vendor-bench)
                          --create-report    create the import report first (409 = already there, fine)
                          --id-prefix P      external_id prefix (default bench-v-)
                          --deadline S       abort the whole run after S seconds (default 900)
                          --timeout S        per-request timeout in seconds (default 120)
                          --warmup N         first post N unmeasured records (own external ids; default 0)
                          --latencies FILE   write batch,start_ms,latency_ms of the measured run as CSV
                          --csv FILE         only write the records as CSV external_id,data and exit""");
                System.exit(0);
            } else if (a.equals("--create-report")) {
                createReport = true;
            } else if (a.startsWith("--") && i + 1 < args.length) {
                String name = a.substring(2);
                if (name.equals("csv")) {
                    csv = args[++i];
                } else if (name.equals("latencies")) {
                    latencies = args[++i];
                } else if (v.containsKey(name)) {
                    v.put(name, args[++i]);
                } else {
                    fail("unknown option " + a + " (see --help)");
                }
            } else {
                fail("unknown or incomplete option " + a + " (see --help)");
            }
        }
        String url = v.get("url").replaceAll("/+$", "");
        return new Options(url, v.get("key"), positive(v, "records"), positive(v, "batch"), positive(v, "clients"),
                v.get("report"), createReport, csv == null ? null : Path.of(csv), v.get("id-prefix"),
                positive(v, "deadline"), positive(v, "timeout"), nonNegative(v, "warmup"),
                latencies == null ? null : Path.of(latencies));
    }

    private static int positive(Map<String, String> v, String name) {
        return atLeast(v, name, 1);
    }

    private static int nonNegative(Map<String, String> v, String name) {
        return atLeast(v, name, 0);
    }

    private static int atLeast(Map<String, String> v, String name, int min) {
        try {
            int n = Integer.parseInt(v.get(name).replace("_", ""));
            if (n >= min) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        fail("--" + name + " must be a whole number ≥ " + min + ", got " + v.get(name));
        return 0;
    }

    private static void fail(String message) {
        System.err.println("LoadBench: " + message);
        System.exit(1);
    }
}
